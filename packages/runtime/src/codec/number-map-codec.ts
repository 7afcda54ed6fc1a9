import { deserialize, serialize } from "node:v8";

/**
 * A columnar form for the commonest large value of aggregation tasks: a `Map` from strings to
 * numbers (word counts, histograms, per-key sums). V8's serializer writes such a map entry by
 * entry and reads it back ~1.7× slower than rebuilding it from three flat columns: all keys in one
 * string, their lengths, and the numbers in a `Float64Array` (measured on a 20,000-word count:
 * 6.6 ms against 3.9 ms to restore, on the critical path of every reduction step).
 */

/** Maps smaller than this go through V8's serializer: the columnar form pays off on large maps. */
export const NUMBER_MAP_MIN_SIZE = 512;

/** First byte of the columnar form; V8's serializer always starts with its version tag, 0xFF. */
export const NUMBER_MAP_TAG = 0x01;

/** The columnar bytes of `map` when every key is a string and every value a number, else undefined. */
export function packNumberMap(map: Map<unknown, unknown>): Uint8Array | undefined {
  const keys = new Array<string>(map.size);
  const lengths = new Uint32Array(map.size);
  const values = new Float64Array(map.size);
  let i = 0;
  for (const [k, v] of map) {
    if (typeof k !== "string" || typeof v !== "number") return undefined;
    keys[i] = k;
    lengths[i] = k.length;
    values[i] = v;
    i++;
  }
  const body = serialize([keys.join(""), lengths, values]);
  const out = Buffer.allocUnsafe(body.byteLength + 1);
  out[0] = NUMBER_MAP_TAG;
  out.set(body, 1);
  return out;
}

/** Restores a map written by {@link packNumberMap} (`bytes` starts with {@link NUMBER_MAP_TAG}). */
export function unpackNumberMap(bytes: Uint8Array): Map<string, number> {
  const [text, lengths, values] = deserialize(bytes.subarray(1)) as [string, Uint32Array, Float64Array];
  const map = new Map<string, number>();
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const end = at + (lengths[i] as number);
    map.set(text.slice(at, end), values[i] as number);
    at = end;
  }
  return map;
}
