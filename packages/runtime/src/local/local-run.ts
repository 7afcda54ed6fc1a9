import type { SourceLocation, Value } from "@taskloom/sdk/internal";
import { RunGraph } from "../scheduling/run-graph.js";
import { resolveValue } from "../scheduling/resolve-value.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { packWire, transferListOf, unpackWire } from "../codec/wire-codec.js";
import { RunAbortedError, RunTimeoutError, TaskFailedError, type FailedInstance } from "../errors.js";
import type { ExecutionContext, ExecutionOutcome } from "../execution/executor.js";
import type { RunEvent } from "../execution/run-events.js";
import { ProgressBar } from "../report/progress-bar.js";
import { ReportBuilder, type InstanceRecord } from "../report/report-builder.js";
import { ChainLearner, planBatch, type BatchSource, type PlannedBatch } from "./batch-builder.js";
import { classifyCrash, reviveThreadError } from "./classify-failure.js";
import { leasePool, releasePool, type SharedPool } from "./pool-set.js";
import { METRICS_STRIDE, type BatchReply, type BatchRequest } from "./thread-messages.js";
import { findReduceLeaves, findWorkerLocalNodes } from "./worker-local-nodes.js";
import { nodeLocations } from "./node-locations.js";

/** Most instances per batch message (seeds), and most with chained instances added. */
const MAX_SEEDS = 4096;
const MAX_BATCH = 8192;
/** Packed results at least this large are forwarded to threads without being unpacked here. */
const FORWARD_MIN_BYTES = 4096;
/** Aim for batches of about this much task time (ms): round trips stay a small fraction of it. */
const TARGET_BATCH_MS = 4;

interface PoolLane {
  key: string;
  memoryMb: number | undefined;
  shared: SharedPool | undefined;
  ready: TaskInstance[];
  inFlight: number;
}

/**
 * One local run: drives the pure scheduler, sends batches of ready instances to piscina threads,
 * keeps results in memory, retries, and settles once (result, or the first fatal error).
 */
export class LocalRun implements BatchSource {
  private readonly graph: RunGraph;
  private readonly results = new Map<string, unknown>();
  private readonly attempts = new Map<string, number>();
  private readonly lanes = new Map<string, PoolLane>();
  /** Per task, the pool key its instances may join batches of ("" when it runs alone). */
  private readonly joinLane = new Map<string, string>();
  private readonly learner = new ChainLearner();
  private readonly localNodes: Set<string>;
  private readonly reduceLeaves: Map<string, string>;
  private readonly locs: Map<string, SourceLocation>;
  private readonly report: ReportBuilder;
  private readonly progress: ProgressBar | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly maxInFlight: number;
  /** Whether someone looks at per-instance times (a report or an event listener). */
  private readonly detailed: boolean;
  /** Task execution time measured so far (ms) and the instances it covers, for batch sizing. */
  private execMs = 0;
  private execCount = 0;
  private settled = false;
  private resolveRun!: (outcome: ExecutionOutcome) => void;
  private rejectRun!: (error: unknown) => void;
  private readonly onAbort = (): void => this.fail(new RunAbortedError(this.ctx.options.signal?.reason));

  constructor(private readonly ctx: ExecutionContext) {
    const input = ctx.input;
    this.graph = new RunGraph(ctx.workflow, { read: (v) => resolveValue(v, input, (id) => this.read(id)) });
    this.localNodes = findWorkerLocalNodes(ctx.workflow);
    this.reduceLeaves = findReduceLeaves(ctx.workflow);
    this.locs = nodeLocations(ctx.workflow);
    this.maxInFlight = ctx.options.concurrency * 2;
    this.detailed = ctx.options.report || ctx.options.onEvent !== undefined;
    this.report = new ReportBuilder(ctx.workflow.name, ctx.options.concurrency);
    const p = ctx.options.progress;
    this.progress = p ? new ProgressBar(`${ctx.workflow.className}.${ctx.workflow.name}`, p) : undefined;
  }

  /** Runs to completion; rejects with the first fatal error, after stopping the run's threads. */
  run(): Promise<ExecutionOutcome> {
    const promise = new Promise<ExecutionOutcome>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    const { signal, timeoutMs } = this.ctx.options;
    if (signal?.aborted) {
      this.fail(new RunAbortedError(signal.reason));
      return promise;
    }
    signal?.addEventListener("abort", this.onAbort, { once: true });
    if (timeoutMs !== undefined) this.later(timeoutMs, () => this.fail(new RunTimeoutError(timeoutMs)));
    this.step(() => this.enqueue(this.graph.start(), Date.now()));
    return promise;
  }

  // ---- BatchSource -------------------------------------------------------------------------
  dependents(id: string): readonly TaskInstance[] {
    return this.graph.dependents(id);
  }
  tracked(id: string): boolean {
    return this.report.get(id) !== undefined;
  }
  done(id: string): boolean {
    return this.report.get(id)?.status === "finished";
  }
  joinable(task: string, poolKey: string): boolean {
    let lane = this.joinLane.get(task);
    if (lane === undefined) {
      const options = this.ctx.taskOptions.get(task);
      lane = options?.timeoutMs === undefined ? laneKey(options?.memoryMb) : "";
      this.joinLane.set(task, lane);
    }
    return lane === poolKey;
  }
  workerLocal(nodeId: string): boolean {
    return this.localNodes.has(nodeId);
  }
  reduceOf(nodeId: string): string | undefined {
    return this.reduceLeaves.get(nodeId);
  }
  locate(task: string): { exportName: string; method: string } {
    const info = this.ctx.manifest.tasks[task];
    if (!info) throw new Error(`internal: task ${task} is not in the manifest`);
    return info;
  }
  resolve(value: Value): unknown {
    return resolveValue(value, this.ctx.input, (id) => this.read(id));
  }

  // ---- scheduling --------------------------------------------------------------------------
  packed(id: string): Uint8Array | undefined {
    const value = this.results.get(id);
    // Small results are cheaper to unpack here and send within the batch's values.
    return value instanceof PackedResult && value.bytes.byteLength >= FORWARD_MIN_BYTES ? value.bytes : undefined;
  }

  private read(id: string): unknown {
    if (!this.results.has(id)) throw new Error(`internal: the result of ${id} is not in the main thread`);
    const value = this.results.get(id);
    if (!(value instanceof PackedResult)) return value;
    const unpacked = unpackWire(value.bytes);
    this.results.set(id, unpacked);
    return unpacked;
  }

  /** Runs `body`, failing the run if it throws, then finishes or dispatches. */
  private step(body: () => void): void {
    if (this.settled) return;
    try {
      body();
      if (this.graph.done) this.succeed();
      else this.dispatch();
    } catch (error) {
      this.fail(error);
    }
  }

  private enqueue(instances: readonly TaskInstance[], at: number): void {
    for (const inst of instances) {
      if (this.report.get(inst.id)) continue;
      const record = this.report.add(inst, this.taskName(inst.task), at);
      this.lane(inst.task).ready.push(inst);
      if (this.ctx.options.onEvent) this.emit({ type: "queued", instanceId: inst.id, task: inst.task, name: record.name, at });
    }
  }

  private lane(task: string): PoolLane {
    const memoryMb = this.ctx.taskOptions.get(task)?.memoryMb;
    const key = laneKey(memoryMb);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, memoryMb, shared: undefined, ready: [], inFlight: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private dispatch(): void {
    for (const lane of this.lanes.values()) {
      while (lane.ready.length > 0 && lane.inFlight < this.maxInFlight) {
        const first = lane.ready[0] as TaskInstance;
        if (this.hasTimeout(first.task)) {
          // A per-call timeout terminates the thread: such a task runs alone.
          lane.ready.shift();
          this.send(lane, planBatch([first], lane.key, this, this.learner, 1));
          continue;
        }
        const size = this.seedsFor(lane);
        const seeds: TaskInstance[] = [];
        const rest: TaskInstance[] = [];
        for (const inst of lane.ready) (seeds.length < size && !this.hasTimeout(inst.task) ? seeds : rest).push(inst);
        lane.ready = rest;
        this.send(lane, planBatch(seeds, lane.key, this, this.learner, MAX_BATCH));
      }
    }
  }

  /**
   * Seeds for the next batch of `lane`. Before any task time is known, the ready instances are
   * split evenly over the threads (one big batch each: tiny tasks are the common case, and a
   * reduction subtree or chain then stays within one batch). Afterwards, from the mean task time:
   * batches of about {@link TARGET_BATCH_MS}, spread over the free in-flight slots.
   */
  private seedsFor(lane: PoolLane): number {
    const ready = lane.ready.length;
    if (this.execCount === 0) return Math.min(MAX_SEEDS, Math.ceil(ready / Math.max(1, this.ctx.options.concurrency - lane.inFlight)));
    const mean = this.execMs / this.execCount;
    const bySize = Math.max(1, Math.min(MAX_SEEDS, Math.floor(TARGET_BATCH_MS / Math.max(mean, 1e-3))));
    return Math.min(bySize, Math.ceil(ready / (this.maxInFlight - lane.inFlight)));
  }

  private hasTimeout(task: string): boolean {
    return this.ctx.taskOptions.get(task)?.timeoutMs !== undefined;
  }

  private send(lane: PoolLane, batch: PlannedBatch): void {
    lane.shared ??= leasePool(this.ctx.options.concurrency, lane.memoryMb);
    const sentAt = Date.now();
    for (const inst of batch.instances) (this.report.get(inst.id) ?? this.track(inst, sentAt)).status = "running";
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cursor, 0, -1);
    const packedValues = packWire(batch.values);
    const request: BatchRequest = {
      type: "batch", bundle: this.ctx.bundleUrl.href, items: [], compact: batch.compact, values: {}, packedValues, packedKeys: batch.packedKeys,
      measureBytes: this.ctx.options.report, cursor,
    };
    const first = batch.instances[0] as TaskInstance;
    const timeoutMs = batch.instances.length === 1 ? this.ctx.taskOptions.get(first.task)?.timeoutMs : undefined;
    const signal = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
    lane.inFlight++;
    this.report.batches++;
    lane.shared.pool.run(request, { transferList: transferListOf(packedValues), ...(signal ? { signal } : {}) }).then(
      (reply: BatchReply) => this.step(() => this.onReply(lane, batch, reply)),
      (error: unknown) => this.step(() => this.onCrash(lane, batch, error, Atomics.load(cursor, 0), signal?.aborted === true, timeoutMs)),
    );
  }

  /** Records an instance that joined a batch without having been reported ready. */
  private track(inst: TaskInstance, at: number): InstanceRecord {
    return this.report.add(inst, this.taskName(inst.task), at);
  }

  private onReply(lane: PoolLane, batch: PlannedBatch, reply: BatchReply): void {
    lane.inFlight--;
    const failedAt = reply.failure ? reply.completed : -1;
    if (reply.failure) {
      const inst = batch.instances[failedAt] as TaskInstance;
      const cause = reviveThreadError(reply.failure);
      this.retryOrFail(inst, (failed) => new TaskFailedError(failed, cause), reply.threadId);
    }
    this.resetUnrun(batch, reply.completed, failedAt);
    const { instances } = batch;
    const packed = reply.packedOutputs as Uint8Array;
    const offsets = reply.packedOffsets as Float64Array;
    for (let i = 0; i < reply.completed; i++) {
      const inst = instances[i] as TaskInstance;
      const m = i * METRICS_STRIDE;
      const record = this.report.get(inst.id) as InstanceRecord;
      const started = reply.metrics[m] as number;
      const finished = reply.metrics[m + 1] as number;
      if (i >= batch.seeds && this.detailed) record.queuedAt = Math.min(started, Math.max(record.queuedAt, this.depsFinishedAt(inst)));
      this.execMs += finished - started;
      this.execCount++;
      this.report.finish(record, reply.threadId, started, finished, reply.metrics[m + 2] as number, reply.metrics[m + 3] as number);
      record.attempts = this.attempts.size === 0 ? 1 : this.bumpAttempts(inst.id);
      if (batch.keep[i] === 1 || reply.failure) {
        const start = offsets[i] as number;
        const end = offsets[i + 1] as number;
        this.results.set(inst.id, end > start ? new PackedResult(packed.subarray(start, end)) : reply.outputs[i]);
      }
      if (this.ctx.options.onEvent) {
        const attempt = record.attempts;
        const base = { instanceId: inst.id, task: inst.task, name: record.name };
        if (i >= batch.seeds) this.emit({ type: "queued", ...base, at: record.queuedAt });
        this.emit({ type: "started", ...base, at: started, worker: reply.threadId, attempt });
        this.emit({ type: "finished", ...base, at: finished, worker: reply.threadId, attempt, durationMs: finished - started });
      }
      this.enqueue(this.graph.complete(inst.id), finished);
    }
    this.progress?.update(this.graph.completedCount, this.graph.knownCount);
  }

  private onCrash(lane: PoolLane, batch: PlannedBatch, error: unknown, cursor: number, timedOut: boolean, timeoutMs: number | undefined): void {
    lane.inFlight--;
    const at = cursor >= 0 && cursor < batch.instances.length ? cursor : 0;
    const inst = batch.instances[at] as TaskInstance;
    const limits = { timeoutMs, memoryMb: lane.memoryMb, timedOut };
    this.retryOrFail(inst, (failed) => classifyCrash(failed, error, limits), undefined);
    this.resetUnrun(batch, 0, at);
  }

  /** Puts the instances of a batch that did not run back: seeds to their queue, joined ones to the graph. */
  private resetUnrun(batch: PlannedBatch, from: number, failedAt: number): void {
    for (let i = from; i < batch.instances.length; i++) {
      if (i === failedAt) continue;
      const inst = batch.instances[i] as TaskInstance;
      if (i < batch.seeds) {
        (this.report.get(inst.id) as InstanceRecord).status = "ready";
        this.lane(inst.task).ready.push(inst);
      } else {
        this.report.remove(inst.id);
      }
    }
  }

  /** Counts the failed attempt; schedules a retry with backoff, or throws the run's error. */
  private retryOrFail(inst: TaskInstance, makeError: (failed: FailedInstance) => TaskFailedError, worker: number | undefined): void {
    const attempt = this.bumpAttempts(inst.id);
    const error = makeError(this.failedInstance(inst));
    const options = this.ctx.taskOptions.get(inst.task);
    const retries = options?.retries ?? 0;
    const record = this.report.get(inst.id) as InstanceRecord;
    record.attempts = attempt;
    const base = { instanceId: inst.id, task: inst.task, name: record.name };
    const final = attempt > retries;
    this.emit({ type: "failed", ...base, at: Date.now(), attempt, final, error });
    if (final) {
      this.report.fail(record, worker, error.message);
      throw error;
    }
    const delayMs = (options?.retryDelayMs ?? 100) * 2 ** (attempt - 1);
    this.emit({ type: "retrying", ...base, at: Date.now(), attempt: attempt + 1, delayMs });
    record.status = "retrying";
    this.later(delayMs, () =>
      this.step(() => {
        if (inst.deps.every((d) => this.done(d))) {
          record.status = "ready";
          record.queuedAt = Date.now();
          this.lane(inst.task).ready.push(inst);
        } else {
          // It ran chained after instances that did not finish: the scheduler readies it again.
          this.report.remove(inst.id);
        }
      }),
    );
  }

  private bumpAttempts(id: string): number {
    const n = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, n);
    return n;
  }

  private depsFinishedAt(inst: TaskInstance): number {
    let at = 0;
    for (const d of inst.deps) at = Math.max(at, this.report.get(d)?.finishedAt ?? 0);
    return at;
  }

  private failedInstance(inst: TaskInstance): FailedInstance {
    const loc = this.locs.get(inst.nodeId) ?? this.ctx.manifest.tasks[inst.task]?.loc ?? { file: "?", line: 0, column: 0 };
    return { instanceId: inst.id, task: inst.task, name: this.taskName(inst.task), loc, attempts: this.attempts.get(inst.id) ?? 1 };
  }

  private taskName(task: string): string {
    return this.ctx.taskNames.get(task) ?? task;
  }

  private emit(event: RunEvent): void {
    this.ctx.options.onEvent?.(event);
  }

  private later(ms: number, f: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      f();
    }, ms);
    this.timers.add(timer);
  }

  // ---- settling ----------------------------------------------------------------------------
  private succeed(): void {
    const result = resolveValue(this.graph.result(), this.ctx.input, (id) => this.read(id));
    this.settle();
    this.progress?.finish(this.graph.completedCount, this.graph.knownCount, false);
    for (const lane of this.lanes.values()) if (lane.shared) void releasePool(lane.shared, false);
    this.resolveRun({ result, report: this.report.build("succeeded") });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settle();
    this.progress?.finish(this.graph.completedCount, this.graph.knownCount, true);
    if (typeof error === "object" && error !== null) (error as { report?: unknown }).report = this.report.build("failed");
    const closing = [...this.lanes.values()].map((lane) => (lane.shared ? releasePool(lane.shared, true) : undefined));
    void Promise.allSettled(closing).then(() => this.rejectRun(error));
  }

  private settle(): void {
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ctx.options.signal?.removeEventListener("abort", this.onAbort);
  }
}

/** A result as the thread packed it: forwarded to later batches as is, unpacked only when read here. */
class PackedResult {
  constructor(readonly bytes: Uint8Array) {}
}

function laneKey(memoryMb: number | undefined): string {
  return memoryMb === undefined ? "default" : `${memoryMb}mb`;
}
