import type { ArrayItem, JsonValue, ObjectEntry, Value } from "@taskloom/sdk/internal";

/** A literal value. */
export function literal(value: JsonValue): Value {
  return { kind: "literal", value };
}

/** An array value; collapses to a literal when every item is a literal (and none is spread). */
export function makeArray(items: ArrayItem[]): Value {
  if (items.every((i) => !i.spread && i.value.kind === "literal")) {
    return literal(items.map((i) => (i.value as { value: JsonValue }).value));
  }
  return { kind: "array", items };
}

/** An object value; collapses to a literal when every entry is a keyed literal. */
export function makeObject(entries: ObjectEntry[]): Value {
  if (entries.every((e) => !e.spread && e.value.kind === "literal")) {
    const out: Record<string, JsonValue> = {};
    for (const e of entries) if (!e.spread) out[e.key] = (e.value as { value: JsonValue }).value;
    return literal(out);
  }
  return { kind: "object", entries };
}

/**
 * A property path into a value (`r.left`, `r[0]`). Statically known items of array and object
 * values (and literals) are taken directly; otherwise a `get` value, merged with an inner `get`.
 */
export function getPath(of: Value, path: (string | number)[]): Value {
  const [head, ...rest] = path;
  if (head === undefined) return of;
  if (of.kind === "get") return { kind: "get", of: of.of, path: [...of.path, ...path] };
  if (of.kind === "literal") {
    const v = of.value;
    if (Array.isArray(v) && typeof head === "number" && head >= 0 && head < v.length) {
      return getPath(literal(v[head] as JsonValue), rest);
    }
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, String(head))) {
      return getPath(literal(v[String(head)] as JsonValue), rest);
    }
  }
  if (of.kind === "array" && typeof head === "number") {
    const before = of.items.slice(0, head + 1);
    const item = of.items[head];
    if (item !== undefined && before.every((i) => !i.spread)) return getPath(item.value, rest);
  }
  if (of.kind === "object") {
    for (let i = of.entries.length - 1; i >= 0; i--) {
      const entry = of.entries[i] as ObjectEntry;
      if (entry.spread) break;
      if (entry.key === String(head)) return getPath(entry.value, rest);
    }
    if (of.entries.every((e) => !e.spread)) return { kind: "undefined" };
  }
  return { kind: "get", of, path };
}

/** Whether a value may be an array at run time (what `.map` and `for..of` accept). */
export function mayBeArray(value: Value): boolean {
  switch (value.kind) {
    case "literal":
      return Array.isArray(value.value);
    case "undefined":
    case "index":
    case "object":
      return false;
    default:
      return true;
  }
}

/** Whether a value reads a node's result (a task, a map, an inline step...) anywhere. */
export function readsNode(value: Value): boolean {
  switch (value.kind) {
    case "node":
      return true;
    case "get":
      return readsNode(value.of);
    case "array":
      return value.items.some((i) => readsNode(i.value));
    case "object":
      return value.entries.some((e) => readsNode(e.value));
    case "call":
      return value.args.some(readsNode);
    default:
      return false;
  }
}
