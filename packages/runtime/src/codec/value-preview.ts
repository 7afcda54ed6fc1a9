/**
 * The JSON form of a value with its types, for every place a value leaves the binary wire path as
 * JSON (the dashboard API's run inputs, results and task error fields): superjson's
 * `{ json, meta }`, so a `Map`, `Set`, `Date`, `BigInt`, typed array, `undefined`, `NaN` or `-0`
 * reads back as itself (`revivePreview`, or `superjson.deserialize` in a browser), where plain
 * `JSON.stringify` would print `{}`, throw, or drop it. A large value is cut to a bounded size:
 * long arrays, maps, sets, objects and strings keep their first items and say how many more there
 * were, deep nesting stops with a note, and `truncated` says that something was cut.
 */
import superjson from "superjson";

/** A value's preview: superjson's JSON form (`json` plus the `meta` naming the types), cut to a bounded size. */
export interface ValuePreview {
  /** The value as plain JSON (a `Map` as `[[key, value], ...]`, a `Date` as its ISO string, a `BigInt` as its digits). */
  json: unknown;
  /** superjson's type annotations of `json`; absent when the value is plain JSON. */
  meta?: unknown;
  /** Parts were cut (items beyond the first ones, long strings, deep nesting) to stay within the size. */
  truncated: boolean;
  /** Length of the preview's JSON text (`JSON.stringify({ json, meta })`) in UTF-16 code units. */
  size: number;
}

/** Default bound of a preview's JSON text: about 4 KB. */
export const DEFAULT_PREVIEW_SIZE = 4096;

interface Limits {
  items: number;
  chars: number;
  depth: number;
}

/** What a cut leaves in place of the items it dropped. */
function more(n: number, what: string): string {
  return `… ${n} more ${what}`;
}

const BIGINT_ARRAYS = [BigInt64Array, BigUint64Array];

/** A copy of `value` cut to `limits`, in the shapes superjson knows; `cut.truncated` is set when anything was dropped. */
function cutValue(value: unknown, limits: Limits, depth: number, path: Set<object>, cut: { truncated: boolean }): unknown {
  switch (typeof value) {
    case "string":
      if (value.length <= limits.chars) return value;
      cut.truncated = true;
      return `${value.slice(0, limits.chars)}${more(value.length - limits.chars, "characters")}`;
    case "function":
      return `[function ${value.name || "(anonymous)"}]`;
    case "symbol":
      return `[${String(value)}]`;
    case "object":
      break;
    default:
      return value;
  }
  if (value === null || value instanceof Date || value instanceof RegExp || value instanceof URL) return value;
  if (path.has(value)) return "[circular]";
  if (depth >= limits.depth) {
    cut.truncated = true;
    return Array.isArray(value) ? `[array of ${value.length}]` : `[${value.constructor?.name ?? "object"}]`;
  }
  path.add(value);
  try {
    return cutObject(value, limits, depth + 1, path, cut);
  } finally {
    path.delete(value);
  }
}

function cutObject(value: object, limits: Limits, depth: number, path: Set<object>, cut: { truncated: boolean }): unknown {
  const inner = (v: unknown) => cutValue(v, limits, depth, path, cut);
  const take = <T>(items: T[], total: number): T[] => {
    if (total > limits.items) cut.truncated = true;
    return items.slice(0, limits.items);
  };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const typed = value as unknown as { length: number; subarray(a: number, b: number): ArrayLike<unknown> };
    const head = typed.subarray(0, limits.items);
    if (typed.length > limits.items) cut.truncated = true;
    // superjson knows the number typed arrays (not Buffer or the BigInt ones): those go as their kind.
    if (BIGINT_ARRAYS.some((c) => value instanceof c)) return Array.from(head);
    return value.constructor === Uint8Array || !(value instanceof Uint8Array) ? head : new Uint8Array(head as Uint8Array);
  }
  if (value instanceof ArrayBuffer) return cutObject(new Uint8Array(value), limits, depth, path, cut);
  if (Array.isArray(value)) {
    const out = take(value, value.length).map(inner);
    if (value.length > limits.items) out.push(more(value.length - limits.items, "items"));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map(take([...value], value.size).map(([k, v]) => [inner(k), inner(v)]));
    if (value.size > limits.items) out.set("…", more(value.size - limits.items, "entries"));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set(take([...value], value.size).map(inner));
    if (value.size > limits.items) out.add(more(value.size - limits.items, "items"));
    return out;
  }
  if (value instanceof Error) {
    const error = new Error(String(inner(value.message)));
    error.name = value.name;
    delete error.stack;
    return error;
  }
  // A plain object, or a class instance shown by its own enumerable fields.
  const keys = Object.keys(value);
  const out: Record<string, unknown> = {};
  for (const k of take(keys, keys.length)) out[k] = inner((value as Record<string, unknown>)[k]);
  if (keys.length > limits.items) out["…"] = more(keys.length - limits.items, "keys");
  return out;
}

function serialize(value: unknown, limits: Limits): ValuePreview {
  const cut = { truncated: false };
  const { json, meta } = superjson.serialize(cutValue(value, limits, 0, new Set(), cut));
  const size = JSON.stringify(meta === undefined ? { json } : { json, meta }).length;
  return { json, ...(meta === undefined ? {} : { meta }), truncated: cut.truncated, size };
}

/**
 * The JSON form of `value` with its types, at most about `maxSize` characters of JSON text: cut
 * harder (fewer items, shorter strings, less depth) until it fits.
 * @param maxSize - bound of the preview's JSON text in characters (default {@link DEFAULT_PREVIEW_SIZE}).
 * @example
 * ```ts
 * previewValue(new Map([["a", new Date(0)]]));
 * // { json: [["a", "1970-01-01T00:00:00.000Z"]], meta: { values: ["map", { "0.1": ["Date"] }], v: 1 }, truncated: false, size: 92 }
 * ```
 */
export function previewValue(value: unknown, maxSize = DEFAULT_PREVIEW_SIZE): ValuePreview {
  let limits: Limits = { items: 100, chars: 1000, depth: 8 };
  for (;;) {
    const preview = serialize(value, limits);
    if (preview.size <= maxSize) return preview;
    if (limits.items === 1 && limits.chars <= 16 && limits.depth === 1) {
      const note = serialize(`[a value too large to preview in ${maxSize} characters]`, limits);
      return { ...note, truncated: true };
    }
    limits = { items: Math.max(1, limits.items >> 1), chars: Math.max(16, limits.chars >> 1), depth: Math.max(1, limits.depth - 1) };
  }
}

/**
 * The value a preview stands for, with its types (`Map`, `Set`, `Date`, `BigInt`, typed arrays,
 * `undefined`); what was cut stays cut (the `… N more items` notes are in it).
 */
export function revivePreview<T = unknown>(preview: Pick<ValuePreview, "json" | "meta">): T {
  return superjson.deserialize<T>({ json: preview.json, meta: preview.meta } as Parameters<typeof superjson.deserialize>[0]);
}

/** A preview as one line of JSON text (`{"json":…,"meta":…}`), for a terminal or a log. */
export function previewText(value: unknown, maxSize = DEFAULT_PREVIEW_SIZE): string {
  const { json, meta } = previewValue(value, maxSize);
  return JSON.stringify(meta === undefined ? { json } : { json, meta });
}
