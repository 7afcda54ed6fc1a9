import { deserialize, serialize } from "node:v8";

/**
 * A columnar form for the commonest large values of aggregation tasks: a `Map` from strings to
 * numbers, or a plain object used as one (word counts, histograms, per-key sums). V8's
 * serializer writes them entry by entry and reads them back ~1.6× slower than rebuilding them
 * from three flat columns: all keys in one string, their lengths, and the numbers in a
 * `Float64Array` (measured on 20,000 words: a Map 6.6 → 3.9 ms, an object 7.5 → 4.4 ms to
 * restore, on the critical path of every reduction step).
 */

/** Tables smaller than this go through V8's serializer: the columnar form pays off on large ones. */
export const NUMBER_TABLE_MIN_SIZE = 512;

/** First byte of the columnar forms; V8's serializer always starts with its version tag, 0xFF. */
export const NUMBER_MAP_TAG = 0x01;
export const NUMBER_RECORD_TAG = 0x02;

/** The columnar bytes of `map` when every key is a string and every value a number, else undefined. */
export function packNumberMap(map: Map<unknown, unknown>): Uint8Array | undefined {
  const keys = new Array<string>(map.size);
  const values = new Float64Array(map.size);
  let i = 0;
  for (const [k, v] of map) {
    if (typeof k !== "string" || typeof v !== "number") return undefined;
    keys[i] = k;
    values[i++] = v;
  }
  return packColumns(NUMBER_MAP_TAG, keys, values);
}

/**
 * The columnar bytes of a plain object (prototype `Object.prototype` or `null`) whose own
 * enumerable properties are all numbers, else undefined. `keys` is `Object.keys(record)`.
 */
export function packNumberRecord(record: Record<string, unknown>, keys: string[]): Uint8Array | undefined {
  const values = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const v = record[keys[i] as string];
    if (typeof v !== "number") return undefined;
    values[i] = v;
  }
  return packColumns(NUMBER_RECORD_TAG, keys, values);
}

/** Restores a value written by {@link packNumberMap} or {@link packNumberRecord}. */
export function unpackNumberTable(bytes: Uint8Array): Map<string, number> | Record<string, number> {
  const [text, lengths, values] = deserialize(bytes.subarray(1)) as [string, Uint32Array, Float64Array];
  if (bytes[0] === NUMBER_MAP_TAG) {
    const map = new Map<string, number>();
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const end = at + (lengths[i] as number);
      map.set(text.slice(at, end), values[i] as number);
      at = end;
    }
    return map;
  }
  const record: Record<string, number> = {};
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const end = at + (lengths[i] as number);
    const key = text.slice(at, end);
    // An own "__proto__" key must stay a property, not become the prototype.
    if (key === "__proto__") Object.defineProperty(record, key, { value: values[i], enumerable: true, writable: true, configurable: true });
    else record[key] = values[i] as number;
    at = end;
  }
  return record;
}

/** Whether `bytes` hold one of the columnar forms. */
export function isNumberTable(bytes: Uint8Array): boolean {
  return bytes[0] === NUMBER_MAP_TAG || bytes[0] === NUMBER_RECORD_TAG;
}

function packColumns(tag: number, keys: string[], values: Float64Array): Uint8Array {
  const lengths = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) lengths[i] = (keys[i] as string).length;
  const body = serialize([keys.join(""), lengths, values]);
  const out = Buffer.allocUnsafe(body.byteLength + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}
