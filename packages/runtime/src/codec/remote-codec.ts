import { deserialize, serialize } from "node:v8";
import { ValueCorruptError, ValueTooLargeError } from "../errors.js";
import { decodeWire, encodeWire } from "./wire-codec.js";

/** First character of a primitive encoded as JSON (base64 of V8's format starts with `/`). */
const JSON_TAG = "J";

/**
 * Encodes a task's output (or the workflow input) for Redis: the structured-clone wire form
 * serialized by V8 (keeps Map, Set, Date, BigInt, typed arrays, Buffers, `undefined`), as base64
 * so that it travels inside Lua arguments and JSON replies unchanged. A string, a boolean, `null`
 * or a finite number (other than -0) is `J` + its JSON instead: exact for those, and ten times
 * cheaper to write and read, which counts when a fan-in reads a thousand tiny outputs.
 *
 * @example
 * ```ts
 * encodeRemote(42); // "J42"
 * decodeRemote(encodeRemote(new Map([[1, "a"]]))); // Map { 1 => "a" }
 * ```
 */
export function encodeRemote(value: unknown): string {
  if (isJsonPrimitive(value)) return JSON_TAG + JSON.stringify(value);
  return serialize(encodeWire(value)).toString("base64");
}

/** Decodes what {@link encodeRemote} produced. */
export function decodeRemote(text: string): unknown {
  if (text.startsWith(JSON_TAG)) return JSON.parse(text.slice(1));
  return decodeWire(deserialize(Buffer.from(text, "base64")));
}

/** Values that JSON round-trips exactly. */
function isJsonPrimitive(value: unknown): value is string | number | boolean | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}

/**
 * Longest encoding (characters) of a value within `maxValueBytes`: base64 costs 4/3 and V8's
 * tags a little more; twice the limit (plus 1 KiB) bounds what a worker ever writes for it. A
 * stored text longer than this is refused before decoding (it did not come from a worker of this run).
 */
export function maxEncodedLength(maxValueBytes: number): number {
  return maxValueBytes * 2 + 1024;
}

/**
 * Decodes a value read from Redis, refusing what a worker of the run cannot have written: a text
 * longer than {@link maxEncodedLength} (`TL_VALUE_TOO_LARGE`, before any decoding), or one that
 * does not decode (`TL_VALUE_CORRUPT`: truncated, corrupted, overwritten).
 *
 * @param path - what the value is, for the message: `stored output of instance n3`, `stored input`.
 */
export function decodeStored(text: string, path: string, maxValueBytes: number, instanceId?: string): unknown {
  if (text.length > maxEncodedLength(maxValueBytes)) {
    throw new ValueTooLargeError(path, text.length, maxValueBytes, instanceId === undefined ? undefined : { instanceId });
  }
  try {
    if (text.startsWith(JSON_TAG)) return JSON.parse(text.slice(1));
    if (text.length % 4 !== 0) throw new Error(`${text.length} characters are not base64 of a serialized value (truncated?)`);
    return decodeWire(deserialize(Buffer.from(text, "base64")));
  } catch (error) {
    throw new ValueCorruptError(path, (error as Error).message, instanceId);
  }
}
