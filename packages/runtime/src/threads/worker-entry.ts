/**
 * The worker-thread entry of the local runtime (loaded by piscina): runs a batch of task
 * instances in order, resolving each one's arguments from the batch's values and the results of
 * earlier items. Imports only what a worker needs.
 */
import { threadId } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { resolveValue } from "../scheduling/resolve-value.js";
import { InlineFunctions, InlineStepError } from "../scheduling/inline-functions.js";
import { collectRefs } from "../scheduling/value-ops.js";
import { decodeWire, encodeWire, packWire, unpackWire } from "../codec/wire-codec.js";
import { estimateBytes } from "../codec/estimate-bytes.js";
import { surelyWithin } from "../codec/value-limit.js";
import type { Value } from "@taskloom/sdk/internal";
import { ownTaskLogs } from "./thread-log-tag.js";
import { toThreadError } from "./thread-error.js";
import { ChunkTooLargeError, runStreamTask, StreamSourceError } from "./stream-port.js";
import { findUnserializable } from "../codec/find-unserializable.js";
import {
  METRICS_STRIDE,
  TaskMetric as M,
  type BatchItem,
  type BatchReply,
  type BatchRequest,
  type CompactItems,
  type ThreadError,
} from "../protocol/thread-messages.js";

type TaskModule = Record<string, Record<string, unknown> | undefined>;
const modules = new Map<string, Promise<TaskModule>>();
const inlineOf = new WeakMap<TaskModule, InlineFunctions>();

/** Thrown for a bundle that cannot run a batch: it fails to load, or lacks a task's function. */
class BundleFailure extends Error {
  override name = "BundleFailure";
}

/** Thrown for an output that cannot cross back (checked for every output, so batching never changes the answer). */
class ValueFailure extends Error {
  override name = "ValueNotSerializableError";
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`its output${path} is ${what}`);
  }
}

/** Thrown for a task's arguments (`input`) or output larger than the batch's `maxValueBytes` (checked for every item). */
class SizeFailure extends Error {
  override name = "ValueTooLargeError";
  constructor(
    readonly which: "input" | "output",
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`its ${which} is ${bytes} bytes, over maxValueBytes (${limit})`);
  }
}

function failureOf(error: unknown): ThreadError {
  if (error instanceof SizeFailure)
    return { name: error.name, message: error.message, code: "TL_VALUE_TOO_LARGE", kind: "size", path: error.which, bytes: error.bytes, limit: error.limit };
  if (error instanceof BundleFailure)
    return { name: error.name, message: error.message, code: "TL_BUNDLE", kind: "bundle", ...(error.stack ? { stack: error.stack } : {}) };
  if (error instanceof InlineStepError) return { ...toThreadError(error), kind: "inline" };
  if (error instanceof StreamSourceError) return { ...error.source, kind: "stream" };
  if (error instanceof ChunkTooLargeError)
    return { name: error.name, message: error.message, code: "TL_VALUE_TOO_LARGE", kind: "size", path: "output", bytes: error.bytes, limit: error.limit };
  if (error instanceof ValueFailure)
    return { name: error.name, message: error.message, code: "TL_VALUE_NOT_SERIALIZABLE", kind: "value", path: error.path, what: error.what };
  return toThreadError(error);
}

/** The bundle's module; `cold` when this call started loading it (the batch's first task is a cold start). */
function loadBundle(url: string): { mod: Promise<TaskModule>; cold: boolean } {
  let mod = modules.get(url);
  if (mod) return { mod, cold: false };
  mod = (import(url) as Promise<TaskModule>).catch((error: unknown) => {
    modules.delete(url);
    throw new BundleFailure(`failed to load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  modules.set(url, mod);
  return { mod, cold: true };
}

/** The bundle's inline functions (arguments that read results of the batch are computed here). */
function inlineFunctions(mod: TaskModule): InlineFunctions {
  let inline = inlineOf.get(mod);
  if (!inline) inlineOf.set(mod, (inline = InlineFunctions.fromModule(mod)));
  return inline;
}

/** Large outputs of this thread's latest batch, kept live until its next batch (see `BatchRequest.resident`). */
let resident = new Map<string, unknown>();
/** Outputs packed at least this large are kept live: decoding them again would cost more than keeping them. */
const RESIDENT_MIN_BYTES = 64 * 1024;

const timeOrigin = performance.timeOrigin;
const now = (): number => timeOrigin + performance.now();

/** A batch in the form the loop runs: item `i`'s function, arguments and whether it is kept. */
interface Calls {
  count: number;
  fn(i: number): { target: unknown; fn: (...args: unknown[]) => unknown };
  args(i: number, results: unknown[]): unknown[];
  /** The arguments of item `i` that are outputs of this thread (earlier items of the batch, or values kept live here). */
  threadArgs(i: number, results: unknown[]): unknown[];
  keep(i: number): boolean;
  label(i: number): string;
  /** After item `i` ran: drops the results that no later item reads and that stay here. */
  release(i: number, results: unknown[]): void;
}

/** Runs one batch; never throws for a task's error (it is reported in the reply). */
export default async function runBatch(request: BatchRequest): Promise<BatchReply> {
  const { cursor, measureBytes, maxValueBytes } = request;
  const packed = request.packedValues !== undefined;
  const values = (packed ? unpackWire(request.packedValues!) : decodeWire(request.values)) as Record<string, unknown>;
  const wire = packed ? (v: unknown): unknown => v : encodeWire;
  for (const key of request.packedKeys ?? []) values[key] = new PackedValue(values[key] as Uint8Array);
  // An input this thread still holds live is used as is (taken once: a retry decodes the bytes).
  const live = new Set<string>();
  for (const [key, name] of Object.entries(request.resident?.take ?? {})) {
    if (!resident.has(name)) continue;
    values[key] = resident.get(name);
    live.add(key);
  }
  resident = new Map();
  const value = (key: string | number): unknown => {
    if (!(key in values)) throw new Error(`internal: value ${key} is missing in the worker`);
    const v = values[key];
    if (!(v instanceof PackedValue)) return v;
    const unpacked = unpackWire(v.bytes);
    values[key] = unpacked;
    return unpacked;
  };
  const outputs: unknown[] = [];
  const results: unknown[] = [];
  let completed = 0;
  let count = request.compact ? 0 : request.items.length;
  let failure: ThreadError | undefined;
  let metrics = new Float64Array(count * METRICS_STRIDE);
  let calls: Calls | undefined;
  let coldMs: number | undefined;
  try {
    const loadStart = now();
    const bundle = loadBundle(request.bundle);
    const mod = await bundle.mod;
    if (bundle.cold) coldMs = now() - loadStart;
    calls = request.compact ? compactCalls(request.compact, mod, value, (k) => live.has(String(k))) : itemCalls(request.items, mod, value);
    if (calls.count !== count) {
      count = calls.count;
      metrics = new Float64Array(count * METRICS_STRIDE);
    }
    for (; completed < count; completed++) {
      Atomics.store(cursor, 0, completed);
      const { target, fn } = calls.fn(completed);
      const fetchStart = measureBytes ? now() : 0;
      const args = calls.args(completed, results);
      // Before the task runs, and before its output goes anywhere: never an out-of-memory death for a value too large.
      const inputBytes = measureBytes || !surelyWithin(args, maxValueBytes) ? estimateBytes(args) : 0;
      if (inputBytes > maxValueBytes) throw new SizeFailure("input", inputBytes, maxValueBytes);
      ownTaskLogs(request.runId, request.items[completed]?.id);
      const startedAt = now();
      const idle = measureBytes ? performance.eventLoopUtilization().idle : 0;
      let out: unknown;
      if (request.stream === undefined) {
        out = fn.apply(target, args);
        if (typeof out === "object" && out !== null && typeof (out as PromiseLike<unknown>).then === "function") {
          out = await out;
        }
      } else out = await runStreamTask(request.stream, args, () => fn.apply(target, args), calls.label(completed), maxValueBytes);
      const finishedAt = now();
      const outputBytes = measureBytes || !surelyWithin(out, maxValueBytes) ? estimateBytes(out) : 0;
      if (outputBytes > maxValueBytes) throw new SizeFailure("output", outputBytes, maxValueBytes);
      if (typeof out === "object" || typeof out === "function" || typeof out === "symbol") {
        const bad = findUnserializable(out);
        if (bad) throw new ValueFailure(bad.path, bad.what);
      }
      const m = completed * METRICS_STRIDE;
      metrics[m + M.started] = startedAt;
      metrics[m + M.finished] = finishedAt;
      if (measureBytes) {
        const wall = finishedAt - startedAt;
        metrics[m + M.cpu] = wall > 0 ? Math.max(0, Math.min(1, 1 - (performance.eventLoopUtilization().idle - idle) / wall)) : 1;
        metrics[m + M.fetchMs] = startedAt - fetchStart;
        metrics[m + M.inputBytes] = inputBytes;
        metrics[m + M.outputBytes] = outputBytes;
        metrics[m + M.threadBytes] = estimateBytes(calls.threadArgs(completed, results));
      }
      results[completed] = out;
      outputs.push(calls.keep(completed) ? wire(out) : undefined);
      // Garbage stays garbage: a batch's token arrays or partial merges do not live to its end.
      calls.release(completed, results);
    }
    if (packed) {
      const reply: BatchReply = { type: "batch-result", threadId, completed, outputs, metrics, ...(coldMs !== undefined ? { coldMs } : {}) };
      const c = calls;
      packOutputs(
        reply,
        (i) => c.keep(i),
        (i) => c.label(i),
        outputs,
        request.resident?.keep,
      );
      return reply;
    }
  } catch (error) {
    failure = failureOf(error);
  }
  if (failure) {
    // The main thread reschedules what did not run; it needs every completed result for that.
    for (let i = 0; i < completed; i++) outputs[i] = wire(results[i]);
  }
  const reply: BatchReply = {
    type: "batch-result",
    threadId,
    completed,
    outputs,
    metrics,
    ...(failure ? { failure } : {}),
    ...(coldMs !== undefined ? { coldMs } : {}),
  };
  const c = calls;
  if (packed)
    packOutputs(
      reply,
      () => true,
      (i) => c?.label(i) ?? "a task",
      outputs,
    );
  return reply;
}

function lookup(mod: TaskModule, exportName: string, method: string): { target: unknown; fn: (...args: unknown[]) => unknown } {
  const target = mod[exportName];
  const fn = target?.[method];
  if (typeof fn !== "function") throw new BundleFailure(`has no function ${exportName}.${method}`);
  return { target, fn: fn as (...args: unknown[]) => unknown };
}

/** The runtime's compact batch: refs by item index and value index. */
function compactCalls(compact: CompactItems, mod: TaskModule, value: (key: string | number) => unknown, isLive: (key: number) => boolean): Calls {
  const inline = inlineFunctions(mod);
  const parsed = JSON.parse(compact.json) as [number, 0 | 1, number[] | Value][];
  const fns: ReturnType<typeof lookup>[] = [];
  // The items each item reads, and the last item reading each result.
  const reads = parsed.map(([, , spec]) => (Array.isArray(spec) ? spec.filter((r) => r >= 0) : itemRefs(spec)));
  const lastUse = new Int32Array(parsed.length).fill(-1);
  reads.forEach((refs, i) => {
    for (const r of refs) lastUse[r] = i;
  });
  return {
    release(i, results) {
      for (const r of reads[i]!) if (lastUse[r] === i && parsed[r]![1] === 0) results[r] = undefined;
      if (lastUse[i] === -1 && parsed[i]![1] === 0) results[i] = undefined;
    },
    count: parsed.length,
    fn(i) {
      const f = parsed[i]![0];
      const [e, m] = compact.fns[f]!;
      return (fns[f] ??= lookup(mod, e, m));
    },
    args(i, results) {
      const spec = parsed[i]![2];
      if (!Array.isArray(spec)) {
        return resolveValue(
          spec,
          undefined,
          (ref) => (ref.charCodeAt(0) === 35 /* # */ ? results[Number(ref.slice(1))] : value(ref.slice(1))),
          inline,
        ) as unknown[];
      }
      const args = new Array<unknown>(spec.length);
      for (let k = 0; k < spec.length; k++) {
        const r = spec[k]!;
        args[k] = r >= 0 ? results[r] : value(-r - 1);
      }
      return args;
    },
    threadArgs(i, results) {
      const spec = parsed[i]![2];
      const out: unknown[] = [];
      if (!Array.isArray(spec)) {
        for (const r of reads[i]!) out.push(results[r]);
        return out;
      }
      for (const r of spec) {
        if (r >= 0) out.push(results[r]);
        else if (isLive(-r - 1)) out.push(value(-r - 1));
      }
      return out;
    },
    keep: (i) => parsed[i]![1] === 1,
    label(i) {
      const [e, m] = compact.fns[parsed[i]![0]]!;
      return `${e}.${m}`;
    },
  };
}

/** The batch items (`#i` refs) a general argument value reads. */
function itemRefs(spec: Value): number[] {
  const out: number[] = [];
  for (const id of collectRefs(spec, new Set())) if (id.charCodeAt(0) === 35 /* # */) out.push(Number(id.slice(1)));
  return out;
}

/** The plain batch (the remote runtime's form): refs by instance id and value key. */
function itemCalls(items: BatchItem[], mod: TaskModule, value: (key: string | number) => unknown): Calls {
  const index = new Map<string, number>();
  const inline = inlineFunctions(mod);
  return {
    count: items.length,
    fn(i) {
      index.set(items[i]!.id, i);
      return lookup(mod, items[i]!.exportName, items[i]!.method);
    },
    args: (i, results) =>
      resolveValue(
        items[i]!.args,
        undefined,
        (id) => {
          const at = index.get(id);
          return at !== undefined && at < i ? results[at] : value(id);
        },
        inline,
      ) as unknown[],
    threadArgs: (i, results) => {
      const out: unknown[] = [];
      for (const id of collectRefs(items[i]!.args, new Set())) {
        const at = index.get(id);
        if (at !== undefined && at < i) out.push(results[at]);
      }
      return out;
    },
    keep: (i) => items[i]!.keep,
    release: () => {},
    label: (i) => `${items[i]!.exportName}.${items[i]!.method}`,
  };
}

/** A forwarded result, unpacked on first read. */
class PackedValue {
  constructor(readonly bytes: Uint8Array) {}
}

/** Packs each kept output on its own (so the main thread can forward it without decoding). */
function packOutputs(reply: BatchReply, keep: (i: number) => boolean, label: (i: number) => string, outputs: unknown[], retainAs?: string): void {
  const parts: Uint8Array[] = [];
  const plain: unknown[] = [];
  const offsets = new Float64Array(reply.completed + 1);
  let size = 0;
  for (let i = 0; i < reply.completed; i++) {
    offsets[i] = size;
    if (!reply.failure && !keep(i)) continue;
    const out = outputs[i];
    if (typeof out !== "object" || out === null) {
      // Primitives need no packing: they travel as they are, in `outputs`.
      plain[i] = out;
      continue;
    }
    let part: Uint8Array;
    try {
      const t0 = now();
      part = packWire(out);
      reply.metrics[i * METRICS_STRIDE + M.storeMs] = now() - t0;
    } catch (error) {
      // A result that cannot be serialized (a function, a symbol) fails the item that made it.
      const what = `a value V8 cannot serialize (${(error as Error).message})`;
      reply.failure = { name: "ValueNotSerializableError", message: `its output is ${what}`, code: "TL_VALUE_NOT_SERIALIZABLE", kind: "value", path: "", what };
      reply.completed = i;
      // Pack again with every completed output kept: the main thread reruns what follows.
      delete reply.retained;
      resident = new Map();
      packOutputs(reply, keep, label, outputs);
      return;
    }
    parts.push(part);
    size += part.byteLength;
    if (retainAs !== undefined && part.byteLength >= RESIDENT_MIN_BYTES) {
      resident.set(`${retainAs}:${i}`, out);
      (reply.retained ??= []).push(i);
    }
  }
  offsets[reply.completed] = size;
  reply.packedOutputs = Buffer.concat(parts, size);
  reply.packedOffsets = offsets.subarray(0, reply.completed + 1);
  reply.outputs = plain;
}
