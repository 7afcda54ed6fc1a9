import { unpackWire } from "../../codec/wire-codec.js";

/** Packed results at least this large are forwarded to threads without being unpacked here. */
const FORWARD_MIN_BYTES = 4096;

/** A result as the thread packed it: forwarded to later batches as is, unpacked only when read here. */
class PackedResult {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * The results a local run holds in the main thread, by instance id. A result that a thread sent
 * packed stays packed until the main thread reads it, so that it can go on to another batch as
 * the same bytes (large values are never decoded and encoded again on their way through).
 */
export class ResultStore {
  private readonly results = new Map<string, unknown>();

  /** Stores a thread's result: `bytes` when it came packed (non-empty), else `plain`. */
  set(id: string, bytes: Uint8Array, plain: unknown): void {
    this.results.set(id, bytes.byteLength > 0 ? new PackedResult(bytes) : plain);
  }

  /** The packed bytes of a result worth forwarding as is; small ones are cheaper to unpack here. */
  packed(id: string): Uint8Array | undefined {
    const value = this.results.get(id);
    return value instanceof PackedResult && value.bytes.byteLength >= FORWARD_MIN_BYTES ? value.bytes : undefined;
  }

  /** The result of `id`, unpacked (once) if needed; throws when it is not here. */
  read(id: string): unknown {
    if (!this.results.has(id)) throw new Error(`internal: the result of ${id} is not in the main thread`);
    const value = this.results.get(id);
    if (!(value instanceof PackedResult)) return value;
    const unpacked = unpackWire(value.bytes);
    this.results.set(id, unpacked);
    return unpacked;
  }
}
