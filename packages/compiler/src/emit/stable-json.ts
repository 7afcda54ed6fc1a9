// Keys that read best first, in this order; every other key follows alphabetically.
const KEY_RANK = new Map(
  [
    "version",
    "source",
    "bundle",
    "file",
    "hash",
    "bytes",
    "tasks",
    "workflows",
    "name",
    "className",
    "hasInput",
    "kind",
    "id",
    "task",
    "exportName",
    "method",
    "options",
    "over",
    "flat",
    "items",
    "args",
    "body",
    "nodes",
    "result",
    "value",
    "node",
    "map",
    "of",
    "path",
    "key",
    "spread",
    "entries",
    "loc",
    "line",
    "column",
  ].map((k, i) => [k, i]),
);

function compareKeys(a: string, b: string): number {
  const ra = KEY_RANK.get(a) ?? KEY_RANK.size;
  const rb = KEY_RANK.get(b) ?? KEY_RANK.size;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `value` with the key order {@link stableStringify} writes (undefined entries dropped). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  // A literal's JSON is user data: its key order is part of the workflow's meaning.
  const isLiteral = (value as { kind?: unknown }).kind === "literal";
  for (const key of Object.keys(value).sort(compareKeys)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = isLiteral && key === "value" ? v : canonical(v);
  }
  return out;
}

/**
 * `JSON.stringify` with a key order that does not depend on how the object was built (IR keys
 * such as `kind` and `id` first, the rest alphabetical), so equal IR always gives equal bytes.
 *
 * @param indent - spaces of indentation; 0 (default) writes compact JSON.
 * @example
 * ```ts
 * stableStringify({ id: "n1", kind: "task" }); // '{"kind":"task","id":"n1"}'
 * ```
 */
export function stableStringify(value: unknown, indent = 0): string {
  return JSON.stringify(canonical(value), null, indent || undefined);
}
