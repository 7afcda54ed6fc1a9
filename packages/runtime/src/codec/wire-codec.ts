import { deserialize, serialize } from "node:v8";
import { NUMBER_TABLE_MIN_SIZE, isNumberTable, packNumberMap, packNumberRecord, unpackNumberTable } from "./number-table-codec.js";

/**
 * Values cross the thread boundary by structured clone, which keeps Map, Set, Date, BigInt, typed
 * arrays, `undefined` and nesting, but turns a Node `Buffer` into a plain `Uint8Array`. The wire
 * form tags Buffers so the other side restores them. Values without Buffers pass through as the
 * same object (no copy), so the cost is one walk over containers. Binary data is copied once per
 * crossing by structured clone; it is never moved, because a task may keep using what it returns.
 */

/** Key of the tag object standing for a Buffer on the wire. */
const BUFFER_TAG = "__taskloomBuffer";

interface BufferTag {
  [BUFFER_TAG]: Uint8Array;
}

const MAX_DEPTH = 64;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Returns `value` with every Buffer replaced by a tag; the same object when it holds no Buffer. */
export function encodeWire(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  if (Buffer.isBuffer(value)) return { [BUFFER_TAG]: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  return mapContainer(value, (v) => encodeWire(v, depth + 1));
}

/** Restores the Buffers that {@link encodeWire} tagged; the same object when there is none. */
export function decodeWire(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (isPlainObject(value) && BUFFER_TAG in value) {
    const bytes = (value as unknown as BufferTag)[BUFFER_TAG];
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return mapContainer(value, (v) => decodeWire(v, depth + 1));
}

/** Applies `f` to the members of an array, plain object, Map or Set; copies only when one changes. */
function mapContainer(value: object, f: (v: unknown) => unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v !== "object" || v === null) continue;
      const w = f(v);
      if (w !== v) (out ??= value.slice())[i] = w;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [k, v] of value) {
      const k2 = f(k);
      const v2 = f(v);
      if (k2 !== k || v2 !== v) changed = true;
      entries.push([k2, v2]);
    }
    return changed ? new Map(entries) : value;
  }
  if (value instanceof Set) {
    let changed = false;
    const items: unknown[] = [];
    for (const v of value) {
      const v2 = f(v);
      if (v2 !== v) changed = true;
      items.push(v2);
    }
    return changed ? new Set(items) : value;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v !== "object" || v === null) continue;
    const w = f(v);
    if (w !== v) (out ??= { ...value })[key] = w;
  }
  return out ?? value;
}

/**
 * The packed wire form: V8's value serializer with Node's host objects. It keeps everything the
 * tagged form keeps (Buffers included) without walking the value first, and costs about one
 * structured clone; the bytes then move to the other thread without a copy when they own their
 * memory (see {@link transferListOf}). The local runtime sends batches in this form. A large
 * `Map` of strings to numbers, or a large plain object of numbers, takes a faster columnar form
 * (see `number-table-codec.ts`).
 *
 * @example
 * ```ts
 * unpackWire(packWire({ b: Buffer.from("x") })); // { b: <Buffer 78> }
 * ```
 */
export function packWire(value: unknown): Uint8Array {
  if (typeof value === "object" && value !== null) {
    if (value instanceof Map) {
      if (value.size >= NUMBER_TABLE_MIN_SIZE) return packNumberMap(value) ?? serialize(value);
    } else if (!Array.isArray(value) && isPlainObject(value)) {
      const keys = Object.keys(value);
      if (keys.length >= NUMBER_TABLE_MIN_SIZE) return packNumberRecord(value, keys) ?? serialize(value);
    }
  }
  return serialize(value);
}

/** Restores a value written by {@link packWire}. */
export function unpackWire(bytes: Uint8Array): unknown {
  return isNumberTable(bytes) ? unpackNumberTable(bytes) : deserialize(bytes);
}

/** The ArrayBuffer of `bytes` when it can be transferred (it covers the whole buffer), else none. */
export function transferListOf(bytes: Uint8Array): ArrayBuffer[] {
  const buffer = bytes.buffer;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}
