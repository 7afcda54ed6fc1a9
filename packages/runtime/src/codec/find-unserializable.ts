/**
 * Finds the first part of a value that cannot cross a thread or process boundary faithfully:
 * functions, symbols, WeakMap/WeakSet/WeakRef, Promises, generators, and instances of classes
 * with methods (structured clone would keep their data and silently drop the class). Plain
 * objects, arrays, Map, Set, Date, RegExp, Error, boxed primitives, ArrayBuffers and their
 * views pass, as do instances of data-only classes. Cycles are fine (visited once).
 */

/** What {@link findUnserializable} found: the path from the root (`[1].cb`, `.get("k")`) and what it is. */
export interface Unserializable {
  path: string;
  what: string;
}

const CLONEABLE: readonly (abstract new (...args: never[]) => unknown)[] = [Date, RegExp, Error, ArrayBuffer, Boolean, Number, String];

function describeFunction(fn: (...args: never[]) => unknown): string {
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) return `the class ${fn.name || "(anonymous)"}`;
  return fn.name ? `a function (${fn.name})` : "a function";
}

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function methodsOf(proto: object): string[] {
  const names: string[] = [];
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d && (typeof d.value === "function" || d.get || d.set)) names.push(name);
    }
  }
  return names;
}

/** A kind of object that never crosses, or undefined. */
function opaque(v: object): string | undefined {
  if (v instanceof WeakMap) return "a WeakMap";
  if (v instanceof WeakSet) return "a WeakSet";
  if (v instanceof WeakRef) return "a WeakRef";
  if (v instanceof Promise) return "a Promise (await it inside the task)";
  const tag = Object.prototype.toString.call(v);
  if (tag === "[object Generator]" || tag === "[object AsyncGenerator]") return "a generator";
  return undefined;
}

type Found = { segments: string[]; what: string };

/** `found`, one level down: `segment` leads to it. */
function within(found: Found, segment: string): Found {
  found.segments.unshift(segment);
  return found;
}

function walk(v: unknown, seen: Set<object>): Found | undefined {
  if (typeof v === "function") return { segments: [], what: describeFunction(v as (...args: never[]) => unknown) };
  if (typeof v === "symbol") return { segments: [], what: `a symbol (${v.toString()})` };
  if (typeof v !== "object" || v === null || seen.has(v)) return undefined;
  seen.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== "object" && typeof x !== "function" && typeof x !== "symbol") continue;
      const found = walk(x, seen);
      if (found) return within(found, `[${i}]`);
    }
    return undefined;
  }
  if (ArrayBuffer.isView(v)) return undefined;
  if (v instanceof Map) {
    let found: Found | undefined;
    for (const [k, x] of v) {
      found = walk(k, seen);
      if (found) return within(found, ` (a key of the Map)`);
      found = walk(x, seen);
      if (found) return within(found, `.get(${typeof k === "string" ? JSON.stringify(k) : String(k)})`);
    }
    return undefined;
  }
  if (v instanceof Set) {
    let i = 0;
    for (const x of v) {
      const found = walk(x, seen);
      if (found) return within(found, ` (item ${i} of the Set)`);
      i++;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const bad = opaque(v);
    if (bad) return { segments: [], what: bad };
    if (CLONEABLE.some((c) => v instanceof c)) return undefined;
    const methods = methodsOf(proto);
    if (methods.length > 0) {
      const name = (proto as { constructor?: { name?: string } }).constructor?.name || "(anonymous)";
      const shown = methods.slice(0, 3).join(", ") + (methods.length > 3 ? ", ..." : "");
      return { segments: [], what: `an instance of class ${name} with methods (${shown})` };
    }
  }
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x !== "object" && typeof x !== "function" && typeof x !== "symbol") continue;
    const found = walk(x, seen);
    if (found) return within(found, key(k));
  }
  return undefined;
}

/**
 * The first part of `value` that cannot cross a boundary, or undefined when all of it can.
 * Costs one `typeof` for a primitive and one visit per object otherwise.
 *
 * @example
 * ```ts
 * findUnserializable({ items: [1, { cb: () => 2 }] }); // { path: ".items[1].cb", what: "a function (cb)" }
 * ```
 */
export function findUnserializable(value: unknown): Unserializable | undefined {
  if (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol") return undefined;
  if (value === null) return undefined;
  const found = walk(value, new Set());
  return found && { path: found.segments.join(""), what: found.what };
}
