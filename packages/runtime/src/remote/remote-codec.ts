import { deserialize, serialize } from "node:v8";
import { decodeWire, encodeWire } from "../codec/wire-codec.js";

/**
 * Encodes a task's output (or the workflow input) for Redis: the structured-clone wire form
 * serialized by V8 (keeps Map, Set, Date, BigInt, typed arrays, Buffers, `undefined`), as base64
 * so that it travels inside Lua arguments and JSON replies unchanged.
 */
export function encodeRemote(value: unknown): string {
  return serialize(encodeWire(value)).toString("base64");
}

/** Decodes what {@link encodeRemote} produced. */
export function decodeRemote(text: string): unknown {
  return decodeWire(deserialize(Buffer.from(text, "base64")));
}
