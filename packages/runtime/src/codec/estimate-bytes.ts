/**
 * Estimates the size of a value in bytes, cheaply: exact for strings (UTF-8) and binary data,
 * approximate for containers (large arrays, objects, Maps and Sets are sampled and extrapolated).
 * For reports only; never used for correctness.
 *
 * @example
 * ```ts
 * estimateBytes("héllo"); // 6
 * estimateBytes(new Float64Array(10)); // 80
 * ```
 */
export function estimateBytes(value: unknown, depth = 0): number {
  switch (typeof value) {
    case "string":
      return value.length < 64 ? utf8Short(value) : Buffer.byteLength(value, "utf8");
    case "number":
      return 8;
    case "boolean":
      return 4;
    case "bigint":
      return 8 + Math.ceil(value.toString(16).length / 2);
    case "undefined":
      return 0;
    case "object":
      break;
    default:
      return 8;
  }
  if (value === null) return 0;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value.byteLength;
  if (value instanceof Date) return 8;
  if (depth > 16) return 8;
  if (Array.isArray(value)) return sampled(value, value.length, (v) => estimateBytes(v, depth + 1));
  if (value instanceof Map) {
    return sampled([...take(value, SAMPLE)], value.size, ([k, v]) => estimateBytes(k, depth + 1) + estimateBytes(v, depth + 1));
  }
  if (value instanceof Set) return sampled([...take(value, SAMPLE)], value.size, (v) => estimateBytes(v, depth + 1));
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  return sampled(keys, keys.length, (k) => k.length + estimateBytes(record[k], depth + 1));
}

const SAMPLE = 64;

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  let i = 0;
  for (const item of items) {
    if (i++ >= n) return;
    yield item;
  }
}

/** Sums `size` over `items` (the first `SAMPLE` of `total`), scaling up when sampled. */
function sampled<T>(items: readonly T[], total: number, size: (item: T) => number): number {
  const n = Math.min(items.length, SAMPLE);
  if (n === 0) return 0;
  let sum = 0;
  if (total <= SAMPLE) {
    for (let i = 0; i < n; i++) sum += size(items[i] as T);
    return sum;
  }
  // Spread the sample over the whole array when it is an array (items.length === total).
  const step = items.length === total ? Math.floor(total / n) : 1;
  for (let i = 0; i < n; i++) sum += size(items[i * step] as T);
  return Math.round((sum / n) * total);
}

function utf8Short(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 4 bytes: count them on the high half.
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 4 : c >= 0xdc00 && c < 0xe000 ? 0 : 3;
  }
  return bytes;
}
