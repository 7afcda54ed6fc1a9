import type { Value } from "@taskloom/sdk/internal";
import type { SharedPool } from "../threads/pool-set.js";
import type { MessagePort } from "node:worker_threads";
import { METRICS_STRIDE, type BatchStreams, type BatchItem, type BatchReply, type BatchRequest, type ThreadError } from "../protocol/thread-messages.js";
import { packWire, transferListOf, unpackWire } from "../codec/wire-codec.js";
import { resolveValue } from "../scheduling/resolve-value.js";
import type { InlineFunctions } from "../scheduling/inline-functions.js";
import { isRuntimeError } from "../errors.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { WorkerRun } from "./worker-run-cache.js";
import { underGateway, type TaskObserver } from "./gateway-observer.js";
import { crashFailure } from "../threads/thread-error.js";

/** One task instance of a run as a worker holds it: what to run, the inputs it holds, its acks. */
export interface Chain {
  run: WorkerRun;
  inst: TaskInstance;
  /** Outputs of `inst`'s dependencies held in memory (instance id → value). */
  inputs: Map<string, unknown>;
  /** Deliveries acknowledged once this chain (and every other chain sharing them) has ended. */
  tokens: AckToken[];
  /** Failed attempts of `inst` so far. */
  failures: number;
  /** Told of each task's start and end (a worker under a gateway reports them to it). */
  observer?: TaskObserver | undefined;
  /** When `inst` became ready to run here: its hand-off's enqueue time, or the completion that made it ready (ms since the epoch). */
  readyAt: number;
  /** Reading `inst`'s inputs from Redis: time (ms, decoding included) and bytes. */
  fetchMs: number;
  fetchBytes: number;
  /** How many of `inst`'s inputs were read from Redis (the others were held in memory). */
  fetched: number;
  /** Delayed I/O: when the output of `inst` was first held on this worker instead of completing (ms since the epoch). */
  heldSince?: number;
  /** Pre-load: inputs of the fan-in this chain's completion claims, read from the store while it waited (instance id → value). */
  preloaded?: ReadonlyMap<string, unknown>;
}

/**
 * Stream deliveries acknowledged together when every chain holding them has ended: a chain that
 * continues with a task whose inputs were kept in memory holds the deliveries of those inputs'
 * chains too, so after a crash they are redelivered and the inputs made again.
 */
export class AckToken {
  refs = 0;
  /** Handed back to the queue (Redis failed under it): never acknowledged here, another delivery redoes it. */
  handedBack = false;
  constructor(readonly ids: string[]) {}
}

/** What a batch on a thread did: per chain, its output, or the error of the first failing one. */
export interface BatchOutcome {
  /** Outputs of the chains that completed (a prefix of the batch). */
  outputs: unknown[];
  /** Per completed chain, {@link METRICS_STRIDE} numbers (see `TaskMetric`). */
  metrics: Float64Array;
  threadId: number;
  /** The failure of chain number `failedAt`, if the batch stopped there. */
  failure?: ThreadError;
  /** Index of the failed chain; chains between the completed prefix and it, and after it, did not complete. */
  failedAt?: number;
}

/**
 * Builds a batch's values (dependency outputs, resolved slices of the input, inline steps computed
 * here from the outputs this worker holds) and refs to them.
 */
class BatchValues {
  readonly list: unknown[] = [];
  private readonly byDep = new Map<string, number>();

  constructor(
    private readonly input: unknown,
    private readonly inputs: (dep: string) => unknown,
    private readonly inline: InlineFunctions,
  ) {}

  /** Index of the output of `dep`. */
  dep(id: string): number {
    let k = this.byDep.get(id);
    if (k === undefined) {
      k = this.list.push(this.inputs(id)) - 1;
      this.byDep.set(id, k);
    }
    return k;
  }

  /** Index of a value resolved here (a part of the input, a literal, an inline step over the held inputs). */
  value(v: Value): number {
    return this.list.push(resolveValue(v, this.input, (dep) => this.inputs(dep), this.inline)) - 1;
  }

  /**
   * A call's arguments in the compact form: refs (`-k - 1` = value k) when every argument is a
   * dependency's output or reads no output; otherwise the Value with `$k` refs.
   */
  args(args: Value): number[] | Value {
    if (args.kind === "array" && args.items.every((i) => !i.spread && (i.value.kind === "node" || !hasRef(i.value)))) {
      return args.items.map((i) => -(i.value.kind === "node" ? this.dep(i.value.node) : this.value(i.value)) - 1);
    }
    return this.bind(args);
  }

  private bind(value: Value): Value {
    if (value.kind === "node") return { kind: "node", node: `$${this.dep(value.node)}` };
    // An inline step is computed here (once per run for a value many chains read, see WorkerRun.inline).
    if (!hasRef(value) || value.kind === "call") return { kind: "node", node: `$${this.value(value)}` };
    switch (value.kind) {
      case "get":
        return { kind: "get", of: this.bind(value.of), path: value.path };
      case "array":
        return { kind: "array", items: value.items.map((i) => ({ ...i, value: this.bind(i.value) })) };
      case "object":
        return {
          kind: "object",
          entries: value.entries.map((e) => (e.spread ? { spread: true as const, value: this.bind(e.value) } : { key: e.key, value: this.bind(e.value) })),
        };
      default:
        return value;
    }
  }
}

function hasRef(value: Value): boolean {
  switch (value.kind) {
    case "node":
      return true;
    case "get":
      return hasRef(value.of);
    case "array":
      return value.items.some((i) => hasRef(i.value));
    case "object":
      return value.entries.some((e) => hasRef(e.value));
    case "call":
      return value.args.some(hasRef);
    default:
      return false;
  }
}

/**
 * Runs the chains' current instances (all of one run) in order as one batch on a thread.
 * `timeoutMs` (single-instance batches only) interrupts the thread when exceeded.
 */
export async function runBatch(
  pool: SharedPool,
  chains: Chain[],
  timeoutMs: number | undefined,
  limitSource?: string,
  streams?: BatchStreams,
): Promise<BatchOutcome> {
  const run = chains[0]!.run;
  const fns: [string, string][] = [];
  const fnIndex = new Map<string, number>();
  let current = chains[0]!;
  // The same dependency holds the same output in every chain of a run: one value per dependency.
  const values = new BatchValues(run.input, (dep) => current.inputs.get(dep), run.inline);
  let json: [number, number, number[] | Value][];
  try {
    json = chains.map((c) => {
      current = c;
      const info = run.manifest.tasks[c.inst.task];
      if (!info) throw new Error(`the manifest has no task ${c.inst.task}`);
      let f = fnIndex.get(c.inst.task);
      if (f === undefined) {
        f = fns.push([info.exportName, info.method]) - 1;
        fnIndex.set(c.inst.task, f);
      }
      return [f, 1, values.args(c.inst.args)];
    });
  } catch (error) {
    // An inline step of a chain's arguments threw: that chain fails, the others run again.
    if (!isRuntimeError(error, "TL_INLINE_FAILED")) throw error;
    const e = error as Error;
    const failure: ThreadError = { name: e.name, message: e.message, code: "TL_INLINE_FAILED", kind: "inline", ...(e.stack ? { stack: e.stack } : {}) };
    return { outputs: [], metrics: new Float64Array(0), threadId: 0, failure, failedAt: chains.indexOf(current) };
  }
  const cursor = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(cursor, 0, 0);
  const packedValues = packWire(values.list);
  const request: BatchRequest = {
    type: "batch",
    bundle: run.bundleUrl,
    values: {},
    compact: { fns, json: JSON.stringify(json) },
    packedValues,
    measureBytes: true,
    maxValueBytes: run.maxValueBytes,
    cursor,
    runId: run.runId,
    // Under a gateway, the thread tags the lines each task writes with its instance id.
    items: underGateway() ? chains.map((c) => ({ id: c.inst.id }) as BatchItem) : [],
    ...(streams ? { stream: streams } : {}),
  };
  const transferList: (ArrayBuffer | MessagePort)[] = transferListOf(packedValues);
  if (streams) transferList.push(...(streams.output ? [streams.output] : []), ...Object.values(streams.params ?? {}));
  const signal = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
  let reply: BatchReply;
  try {
    reply = (await pool.pool.run(request, { transferList: transferList as ArrayBuffer[], ...(signal ? { signal } : {}) })) as BatchReply;
  } catch (error) {
    const at = Math.max(0, Math.min(Atomics.load(cursor, 0), chains.length - 1));
    // Work done before the crash is lost with the thread: the chains before `at` run again.
    return {
      outputs: [],
      metrics: new Float64Array(0),
      threadId: 0,
      failure: crashFailure(error, {
        timedOut: signal?.aborted === true,
        timeoutMs,
        memoryMb: pool.memoryMb,
        limitSource: limitSource ?? "dag-worker --memory-mb",
      }),
      failedAt: at,
    };
  }
  const packed = reply.packedOutputs;
  const offsets = reply.packedOffsets;
  const outputs: unknown[] = [];
  for (let i = 0; i < reply.completed; i++) {
    const from = offsets?.[i] ?? 0;
    const to = offsets?.[i + 1] ?? 0;
    outputs.push(packed && to > from ? unpackWire(packed.subarray(from, to)) : reply.outputs[i]);
  }
  return {
    outputs,
    metrics: reply.metrics.subarray(0, reply.completed * METRICS_STRIDE),
    threadId: reply.threadId,
    ...(reply.failure ? { failure: reply.failure, failedAt: reply.completed } : {}),
  };
}

/**
 * One log line per batch rather than per task (a 1,000-wide fan-out would write 2,000 lines):
 * `task n1[3]` alone, `3 tasks n1[0] n1[1] n1[2]`, or `64 tasks n1[0] … n1[63]` for longer batches.
 */
export function describeBatch(insts: readonly { id: string }[]): string {
  if (insts.length === 1) return `task ${insts[0]!.id}`;
  if (insts.length <= 4) return `${insts.length} tasks ${insts.map((i) => i.id).join(" ")}`;
  return `${insts.length} tasks ${insts[0]!.id} … ${insts[insts.length - 1]!.id}`;
}
