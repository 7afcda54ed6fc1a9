/**
 * The worker-thread entry of the local runtime (loaded by piscina): runs a batch of task
 * instances in order, resolving each one's arguments from the batch's values and the results of
 * earlier items. Imports only what a worker needs.
 */
import { threadId } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { resolveValue } from "../scheduling/resolve-value.js";
import { decodeWire, encodeWire, packWire, unpackWire } from "../codec/wire-codec.js";
import { estimateBytes } from "../codec/estimate-bytes.js";
import { METRICS_STRIDE, type BatchReply, type BatchRequest, type ThreadError } from "./thread-messages.js";

type TaskModule = Record<string, Record<string, unknown> | undefined>;
const modules = new Map<string, Promise<TaskModule>>();

function loadBundle(url: string): Promise<TaskModule> {
  let mod = modules.get(url);
  if (!mod) {
    mod = import(url) as Promise<TaskModule>;
    modules.set(url, mod);
  }
  return mod;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Runs one batch; never throws for a task's error (it is reported in the reply). */
export default async function runBatch(request: BatchRequest): Promise<BatchReply> {
  const { items, cursor, measureBytes } = request;
  const metrics = new Float64Array(items.length * METRICS_STRIDE);
  const outputs: unknown[] = [];
  const local = new Map<string, unknown>();
  const packed = request.packedValues !== undefined;
  const values = (packed ? unpackWire(request.packedValues!) : decodeWire(request.values)) as Record<string, unknown>;
  const wire = packed ? (v: unknown): unknown => v : encodeWire;
  for (const key of request.packedKeys ?? []) values[key] = new PackedValue(values[key] as Uint8Array);
  const read = (id: string): unknown => {
    if (local.has(id)) return local.get(id);
    if (!(id in values)) throw new Error(`internal: value ${id} is missing in the worker`);
    const value = values[id];
    if (!(value instanceof PackedValue)) return value;
    const unpacked = unpackWire(value.bytes);
    values[id] = unpacked;
    return unpacked;
  };
  let completed = 0;
  let failure: ThreadError | undefined;
  try {
    const mod = await loadBundle(request.bundle);
    for (; completed < items.length; completed++) {
      const item = items[completed]!;
      Atomics.store(cursor, 0, completed);
      const target = mod[item.exportName];
      const fn = target?.[item.method];
      if (typeof fn !== "function") {
        throw new Error(`the task bundle has no function ${item.exportName}.${item.method}`);
      }
      const args = resolveValue(item.args, undefined, read) as unknown[];
      const startedAt = now();
      let out = fn.apply(target, args) as unknown;
      if (typeof out === "object" && out !== null && typeof (out as PromiseLike<unknown>).then === "function") {
        out = await out;
      }
      const m = completed * METRICS_STRIDE;
      metrics[m] = startedAt;
      metrics[m + 1] = now();
      if (measureBytes) {
        metrics[m + 2] = estimateBytes(args);
        metrics[m + 3] = estimateBytes(out);
      }
      local.set(item.id, out);
      outputs.push(item.keep ? wire(out) : undefined);
    }
  } catch (error) {
    failure = toThreadError(error);
  }
  if (failure) {
    // The main thread reschedules what did not run; it needs every completed result for that.
    for (let i = 0; i < completed; i++) outputs[i] = wire(local.get(items[i]!.id));
  }
  const reply: BatchReply = { type: "batch-result", threadId, completed, outputs, metrics, ...(failure ? { failure } : {}) };
  if (packed) packOutputs(reply, items, outputs);
  return reply;
}

/** A forwarded result, unpacked on first read. */
class PackedValue {
  constructor(readonly bytes: Uint8Array) {}
}

/** Packs each kept output on its own (so the main thread can forward it without decoding). */
function packOutputs(reply: BatchReply, items: BatchRequest["items"], outputs: unknown[]): void {
  const parts: Uint8Array[] = [];
  const plain: unknown[] = [];
  const offsets = new Float64Array(reply.completed + 1);
  let size = 0;
  for (let i = 0; i < reply.completed; i++) {
    offsets[i] = size;
    if (!items[i]!.keep && !reply.failure) continue;
    const out = outputs[i];
    if (typeof out !== "object" || out === null) {
      // Primitives need no packing: they travel as they are, in `outputs`.
      plain[i] = out;
      continue;
    }
    let part: Uint8Array;
    try {
      part = packWire(out);
    } catch (error) {
      // A result that cannot be serialized (a function, a symbol) fails the item that made it.
      reply.failure = toThreadError(new Error(`the result of ${items[i]!.exportName}.${items[i]!.method} cannot cross threads: ${(error as Error).message}`));
      reply.completed = i;
      // Pack again with every completed output kept: the main thread reruns what follows.
      packOutputs(reply, items, outputs);
      return;
    }
    parts.push(part);
    size += part.byteLength;
  }
  offsets[reply.completed] = size;
  reply.packedOutputs = Buffer.concat(parts, size);
  reply.packedOffsets = offsets.subarray(0, reply.completed + 1);
  reply.outputs = plain;
}

/** Normalises anything thrown into a plain error shape, keeping the original stack. */
function toThreadError(error: unknown): ThreadError {
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
    return {
      name: typeof e.name === "string" ? e.name : "Error",
      message: String(e.message),
      ...(typeof e.stack === "string" ? { stack: e.stack } : {}),
      ...(typeof e.code === "string" ? { code: e.code } : {}),
    };
  }
  let shown: string;
  try {
    shown = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
  } catch {
    shown = String(error);
  }
  return { name: "NonErrorThrown", message: `a non-Error value was thrown: ${shown}` };
}
