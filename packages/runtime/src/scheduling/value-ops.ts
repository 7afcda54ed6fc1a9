import type { Value } from "@taskloom/sdk/internal";

/** What `element`, `index` and node ids mean inside one instantiation of a graph body. */
export interface Scope {
  readonly parent: Scope | undefined;
  /** Instance-id suffix of this scope: `""` at top level, `[2]`, `[2][0]` inside maps. */
  readonly suffix: string;
  /** Positions of the body's node ids (shared by every instantiation of the body). */
  readonly positions: ReadonlyMap<string, number>;
  /** By position in the body: the value standing for each node's result (`node` of an entry id). */
  readonly nodes: Value[];
  /** The map whose element this scope instantiates (none at top level), its element and index. */
  readonly map: string | undefined;
  readonly element: Value | undefined;
  readonly index: number;
}

export function lookupNode(scope: Scope, nodeId: string): Value {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const at = s.positions.get(nodeId);
    const v = at === undefined ? undefined : s.nodes[at];
    if (v) return v;
  }
  throw new Error(`internal: node ${nodeId} is used before it is defined`);
}

function lookupElement(scope: Scope, mapId: string): { element: Value; index: number } {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.map === mapId) return { element: s.element as Value, index: s.index };
  }
  throw new Error(`internal: element of map ${mapId} used outside of it`);
}

/** Replaces `element`, `index` and graph node ids by what they mean in `scope`. */
export function substitute(value: Value, scope: Scope): Value {
  switch (value.kind) {
    case "literal":
    case "undefined":
    case "input":
      return value;
    case "element":
      return lookupElement(scope, value.map).element;
    case "index":
      return { kind: "literal", value: lookupElement(scope, value.map).index };
    case "node":
      return lookupNode(scope, value.node);
    case "get":
      return { kind: "get", of: substitute(value.of, scope), path: value.path };
    case "array":
      return { kind: "array", items: value.items.map((i) => ({ spread: i.spread, value: substitute(i.value, scope) })) };
    case "object":
      return {
        kind: "object",
        entries: value.entries.map((e) =>
          e.spread ? { spread: true as const, value: substitute(e.value, scope) } : { key: e.key, value: substitute(e.value, scope) },
        ),
      };
    case "call":
      return { kind: "call", fn: value.fn, args: value.args.map((a) => substitute(a, scope)) };
  }
}

/**
 * The distinct ids of the `node`s a value reads, in first-read order. Cheaper than
 * {@link collectRefs} for the common argument lists of a few refs.
 */
export function refList(value: Value): string[] {
  const out: string[] = [];
  forEachRef(value, (id) => out.push(id));
  if (out.length > 16) return [...new Set(out)];
  for (let i = 1; i < out.length; i++) if (out.indexOf(out[i] as string) < i) return out.filter((id, k) => out.indexOf(id) === k);
  return out;
}

/** Adds to `into` the ids of every `node` a value reads. */
export function collectRefs(value: Value, into: Set<string>): Set<string> {
  forEachRef(value, (id) => into.add(id));
  return into;
}

/** Calls `f` with the id of every `node` a value reads, in reading order (repeats included). */
export function forEachRef(value: Value, f: (id: string) => void): void {
  switch (value.kind) {
    case "node":
      f(value.node);
      break;
    case "get":
      forEachRef(value.of, f);
      break;
    case "array":
      for (const item of value.items) forEachRef(item.value, f);
      break;
    case "object":
      for (const entry of value.entries) forEachRef(entry.value, f);
      break;
    case "call":
      for (const arg of value.args) forEachRef(arg, f);
      break;
    default:
      break;
  }
}

/**
 * Simplifies `get` of statically known structure: `[a, b][1]` → `b`, `{k: v}.k` → `v`,
 * a literal's property → a literal. `expand` turns a `node` into the value it stands for when
 * that is known (an expanded map's array), or returns undefined.
 */
export function simplifyGet(of: Value, path: readonly (string | number)[], expand: (v: Value) => Value | undefined): Value {
  let target = of;
  let i = 0;
  for (; i < path.length; i++) {
    const key = path[i] as string | number;
    const next = stepInto(target, key, expand);
    if (next === undefined) break;
    target = next;
  }
  return i === path.length ? target : { kind: "get", of: target, path: path.slice(i) };
}

function stepInto(target: Value, key: string | number, expand: (v: Value) => Value | undefined): Value | undefined {
  switch (target.kind) {
    case "node": {
      const expanded = expand(target);
      return expanded ? stepInto(expanded, key, expand) : undefined;
    }
    case "literal": {
      const lit = target.value;
      if (lit === null || typeof lit !== "object") return undefined;
      if (Array.isArray(lit)) {
        if (typeof key !== "number") return key === "length" ? { kind: "literal", value: lit.length } : undefined;
        const item = lit[key];
        return item === undefined ? { kind: "undefined" } : { kind: "literal", value: item };
      }
      if (typeof key !== "string" || !Object.hasOwn(lit, key)) return undefined;
      return { kind: "literal", value: lit[key] as NonNullable<typeof lit>[string] };
    }
    case "array": {
      if (typeof key !== "number") return undefined;
      // Only items before the first spread have a fixed position.
      for (let i = 0; i <= key && i < target.items.length; i++) {
        const item = target.items[i];
        if (!item || item.spread) return undefined;
        if (i === key) return item.value;
      }
      return undefined;
    }
    case "object": {
      if (typeof key !== "string") return undefined;
      for (let i = target.entries.length - 1; i >= 0; i--) {
        const entry = target.entries[i];
        if (!entry || entry.spread) return undefined;
        if (entry.key === key) return entry.value;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
