import { randomUUID } from "node:crypto";
import type { SourceLocation } from "@taskloom/sdk/internal";
import { RunGraph, type SkippedTask } from "../../scheduling/run-graph.js";
import { resolveValue } from "../../scheduling/resolve-value.js";
import { manifestInline, type InlineFunctions } from "../../scheduling/inline-functions.js";
import type { TaskInstance } from "../../scheduling/task-instance.js";
import { packWire, transferListOf } from "../../codec/wire-codec.js";
import { BundleError, RunAbortedError, RunTimeoutError, type FailedInstance, type RuntimeError } from "../../errors.js";
import type { ExecutionContext, ExecutionOutcome } from "../executor.js";
import type { RunEvent } from "../../protocol/run-events.js";
import { ProgressBar } from "../../report/progress-bar.js";
import { ReportBuilder, type InstanceRecord } from "../../report/report-builder.js";
import type { RunReport } from "../../report/run-report.js";
import { BatchSizer } from "../../scheduling/batch-sizer.js";
import { ResultStore } from "./result-store.js";
import { ChainLearner, planBatch, type PlannedBatch } from "./batch-builder.js";
import { crashFailure } from "../../threads/thread-error.js";
import { taskFailureError } from "../../protocol/task-failure.js";
import { decideRetry } from "../../protocol/retry-policy.js";
import type { ThreadError } from "../../protocol/thread-messages.js";
import { leasePool, releasePool, type SharedPool } from "../../threads/pool-set.js";
import { METRICS_STRIDE, TaskMetric as M, type BatchReply, type BatchRequest } from "../../protocol/thread-messages.js";
import { workflowStructure } from "../../scheduling/workflow-structure.js";
import { laneKey, RunBatchSource } from "./run-batch-source.js";
import { nodeLocations } from "../../scheduling/node-locations.js";
import { ResidentOutputs } from "./resident-outputs.js";
import { preferThread } from "../../threads/thread-affinity.js";
import { taskNameOf, taskOptionsOf } from "../../protocol/manifest-check.js";
import { isStreamTask, streamWorkflow } from "../../scheduling/stream-edges.js";
import { LocalStreams } from "./local-streams.js";
import type { MessagePort } from "node:worker_threads";

/** Most instances per batch message, chained instances included. */
const MAX_BATCH = 8192;
/** How long a failed run waits for its streams' producers to end before stopping their threads (ms). */
const STREAM_DRAIN_MS = 1000;
/** Most ready instances (seeds) per batch message of a local run. */
const MAX_SEEDS = 4096;

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
export class LocalRun {
  private readonly graph: RunGraph;
  private readonly results = new ResultStore();
  private readonly resident = new ResidentOutputs();
  private readonly attempts = new Map<string, number>();
  private readonly lanes = new Map<string, PoolLane>();
  private readonly learner = new ChainLearner();
  private readonly source: RunBatchSource;
  private readonly locs: Map<string, SourceLocation>;
  private readonly report: ReportBuilder;
  private readonly progress: ProgressBar | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly maxInFlight: number;
  /** Whether someone looks at per-instance times (a report or an event listener). */
  private readonly detailed: boolean;
  private readonly sizer: BatchSizer;
  /** Per task, whether it runs alone in its batch: it has a per-call timeout, or it streams. */
  private readonly timed = new Map<string, boolean>();
  /** The ports between streaming tasks' threads; undefined when the workflow has no stream. */
  private readonly streams: LocalStreams | undefined;
  /** Display names by task id. */
  private readonly names = new Map<string, string>();
  private readonly inline: InlineFunctions;
  private settled = false;
  private resolveRun!: (outcome: ExecutionOutcome) => void;
  private rejectRun!: (error: unknown) => void;
  private readonly onAbort = (): void => this.fail(new RunAbortedError(this.ctx.options.signal?.reason));

  constructor(private readonly ctx: ExecutionContext) {
    const input = ctx.input;
    // Main-thread values are copied into batch messages: an inline step's value is computed once per run.
    const inline = manifestInline(ctx.manifest).withMemo();
    this.inline = inline;
    this.graph = new RunGraph(ctx.workflow, { read: (v) => resolveValue(v, input, (id) => this.read(id), inline), skipped: (tasks) => this.skipped(tasks) });
    this.locs = nodeLocations(ctx.workflow);
    this.maxInFlight = ctx.options.concurrency * 2;
    this.sizer = new BatchSizer({ threads: ctx.options.concurrency, maxInFlight: this.maxInFlight, maxSeeds: MAX_SEEDS });
    this.detailed = ctx.options.report || ctx.options.onEvent !== undefined;
    this.report = new ReportBuilder(ctx.runId ?? randomUUID(), ctx.workflow.name, ctx.options.concurrency, workflowStructure(ctx.workflow));
    this.source = new RunBatchSource(ctx, this.graph, this.report, this.results, inline);
    const streams = streamWorkflow(ctx.workflow, ctx.manifest);
    if (streams.producers.size > 0) this.streams = new LocalStreams(streams);
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

  // ---- scheduling --------------------------------------------------------------------------
  private done(id: string): boolean {
    return this.source.done(id);
  }

  private read(id: string): unknown {
    return this.results.read(id);
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

  /** A branch took another arm: its tasks never run; the report and the listeners hear of them. */
  private skipped(tasks: readonly SkippedTask[]): void {
    const at = Date.now();
    for (const t of tasks) {
      const name = this.taskName(t.task);
      this.report.skipped.push({ instanceId: t.id, task: t.task, name, branch: t.branch });
      if (this.ctx.options.onEvent) this.emit({ type: "skipped", instanceId: t.id, task: t.task, name, at, branch: t.branch });
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
    const memoryMb = taskOptionsOf(this.ctx.manifest, task).memoryMb;
    const key = laneKey(memoryMb);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, memoryMb, shared: undefined, ready: [], inFlight: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private dispatch(): void {
    // Batches are planned and packed first, then posted together: once a thread starts working it
    // competes for the cores with this one (2 cores, 2 threads), which would delay the next post.
    const posts: (() => void)[] = [];
    for (const lane of this.lanes.values()) {
      while (lane.ready.length > 0 && lane.inFlight < this.maxInFlight) {
        const first = lane.ready[0] as TaskInstance;
        if (this.hasTimeout(first.task)) {
          // A per-call timeout terminates the thread: such a task runs alone.
          lane.ready.shift();
          posts.push(this.prepare(lane, planBatch([first], lane.key, this.source, this.learner, 1)));
          continue;
        }
        const size = this.sizer.seeds(lane.ready.length, lane.inFlight);
        const { ready } = lane;
        let cut = 0;
        while (cut < size && cut < ready.length && !this.hasTimeout((ready[cut] as TaskInstance).task)) cut++;
        const seeds = ready.slice(0, cut);
        if (cut < size && cut < ready.length) {
          // Instances with a timeout wait for their own batch; the others fill this one.
          const rest: TaskInstance[] = [];
          for (let i = cut; i < ready.length; i++) {
            const inst = ready[i] as TaskInstance;
            (seeds.length < size && !this.hasTimeout(inst.task) ? seeds : rest).push(inst);
          }
          lane.ready = rest;
        } else {
          lane.ready = ready.slice(cut);
        }
        posts.push(this.prepare(lane, planBatch(seeds, lane.key, this.source, this.learner, MAX_BATCH)));
      }
    }
    for (const post of posts) post();
  }

  private hasTimeout(task: string): boolean {
    let timed = this.timed.get(task);
    if (timed === undefined) {
      timed = taskOptionsOf(this.ctx.manifest, task).timeoutMs !== undefined || isStreamTask(this.ctx.manifest, task);
      this.timed.set(task, timed);
    }
    return timed;
  }

  /** Marks a batch's instances running and builds its message; the returned function posts it. */
  private prepare(lane: PoolLane, batch: PlannedBatch): () => void {
    lane.shared ??= leasePool(this.ctx.options.concurrency, lane.memoryMb, "on-demand");
    const sentAt = Date.now();
    for (const inst of batch.instances) (this.report.get(inst.id) ?? this.track(inst, sentAt)).status = "running";
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cursor, 0, -1);
    const packedValues = packWire(batch.values);
    const name = this.resident.nextBatchName();
    const { resident, threadId } = this.resident.plan(batch, name);
    const request: BatchRequest = preferThread(
      {
        type: "batch",
        bundle: this.ctx.bundleUrl.href,
        items: [],
        compact: batch.compact,
        values: {},
        packedValues,
        packedKeys: batch.packedKeys,
        measureBytes: this.ctx.options.report,
        maxValueBytes: this.ctx.options.maxValueBytes,
        cursor,
        resident,
      },
      threadId,
    );
    const first = batch.instances[0] as TaskInstance;
    const timeoutMs = batch.instances.length === 1 ? taskOptionsOf(this.ctx.manifest, first.task).timeoutMs : undefined;
    const transferList: (ArrayBuffer | MessagePort)[] = transferListOf(packedValues);
    if (this.streams && batch.instances.length === 1 && isStreamTask(this.ctx.manifest, first.task)) {
      request.stream = this.streams.portsFor(first);
      transferList.push(...this.streams.transferOf(request.stream));
    }
    const { pool } = lane.shared;
    lane.inFlight++;
    this.report.batches++;
    return () => {
      const signal = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
      this.ctx.onBatchStart?.(batch.instances, Date.now());
      const running = pool.run(request, { transferList: transferList as ArrayBuffer[], ...(signal ? { signal } : {}) });
      if (request.stream) this.streams?.track(first, running);
      running.then(
        (reply: BatchReply) =>
          this.step(() => {
            this.resident.record(batch.instances, reply, name);
            this.onReply(lane, batch, reply);
          }),
        (error: unknown) => this.step(() => this.onCrash(lane, batch, error, Atomics.load(cursor, 0), signal?.aborted === true, timeoutMs)),
      );
    };
  }

  /** Records an instance that joined a batch without having been reported ready. */
  private track(inst: TaskInstance, at: number): InstanceRecord {
    return this.report.add(inst, this.taskName(inst.task), at);
  }

  private onReply(lane: PoolLane, batch: PlannedBatch, reply: BatchReply): void {
    lane.inFlight--;
    const failedAt = reply.failure ? reply.completed : -1;
    if (reply.failure?.kind === "bundle") {
      const { bundleUrl, manifest } = this.ctx;
      throw new BundleError(`the task bundle ${bundleUrl.href} of ${manifest.source} ${reply.failure.message}; run dag-compile again`);
    }
    if (reply.failure) this.retryOrFail(batch.instances[failedAt] as TaskInstance, reply.failure, reply.threadId);
    this.resetUnrun(batch, reply.completed, failedAt);
    const { instances } = batch;
    const packed = reply.packedOutputs as Uint8Array;
    const offsets = reply.packedOffsets as Float64Array;
    for (let i = 0; i < reply.completed; i++) {
      const inst = instances[i] as TaskInstance;
      const m = i * METRICS_STRIDE;
      const record = this.report.get(inst.id) as InstanceRecord;
      const metrics = reply.metrics;
      const started = metrics[m + M.started] as number;
      const finished = metrics[m + M.finished] as number;
      if (batch.seed[i] === 0 && this.detailed) record.queuedAt = Math.min(started, Math.max(record.queuedAt, this.depsFinishedAt(inst)));
      this.sizer.observe(finished - started);
      const measured = this.ctx.options.report;
      this.report.finish(record, reply.threadId, {
        startedAt: started,
        finishedAt: finished,
        inputBytes: metrics[m + M.inputBytes] as number,
        outputBytes: metrics[m + M.outputBytes] as number,
        cold: i === 0 && reply.coldMs !== undefined,
        inputFetchMs: metrics[m + M.fetchMs] as number,
        threadBytes: metrics[m + M.threadBytes] as number,
        outputStoreMs: metrics[m + M.storeMs] as number,
        cpuFraction: measured ? (metrics[m + M.cpu] as number) : undefined,
      });
      record.attempts = this.attempts.size === 0 ? 1 : this.bumpAttempts(inst.id);
      if (batch.keep[i] === 1 || reply.failure) {
        this.results.set(inst.id, packed.subarray(offsets[i] as number, offsets[i + 1] as number), reply.outputs[i]);
      }
      if (this.ctx.options.onEvent) {
        const attempt = record.attempts;
        const base = { instanceId: inst.id, task: inst.task, name: record.name };
        if (batch.seed[i] === 0) this.emit({ type: "queued", ...base, at: record.queuedAt });
        this.emit({ type: "started", ...base, at: started, worker: "local", thread: reply.threadId, attempt });
        this.emit({ type: "finished", ...base, at: finished, worker: "local", thread: reply.threadId, attempt, durationMs: finished - started });
      }
      if (this.detailed) {
        const t0 = performance.now();
        const ready = this.graph.complete(inst.id);
        record.dependencyUpdateMs = performance.now() - t0;
        this.enqueue(ready, finished);
      } else this.enqueue(this.graph.complete(inst.id), finished);
    }
    this.progress?.update(this.graph.completedCount, this.graph.knownCount);
  }

  private onCrash(lane: PoolLane, batch: PlannedBatch, error: unknown, cursor: number, timedOut: boolean, timeoutMs: number | undefined): void {
    lane.inFlight--;
    const at = cursor >= 0 && cursor < batch.instances.length ? cursor : 0;
    const inst = batch.instances[at] as TaskInstance;
    const failure = crashFailure(error, { timeoutMs, memoryMb: lane.memoryMb, timedOut, limitSource: "task option memoryMb" });
    this.retryOrFail(inst, failure, undefined);
    this.resetUnrun(batch, 0, at);
  }

  /** Puts the instances of a batch that did not run back: seeds to their queue, joined ones to the graph. */
  private resetUnrun(batch: PlannedBatch, from: number, failedAt: number): void {
    for (let i = from; i < batch.instances.length; i++) {
      if (i === failedAt) continue;
      const inst = batch.instances[i] as TaskInstance;
      if (batch.seed[i] === 1) {
        (this.report.get(inst.id) as InstanceRecord).status = "ready";
        this.lane(inst.task).ready.push(inst);
      } else {
        this.report.remove(inst.id);
      }
    }
  }

  /** Counts the failed attempt; schedules a retry with backoff, or throws the run's error. */
  private retryOrFail(inst: TaskInstance, failure: ThreadError, thread: number | undefined): void {
    // A reader failed because its stream's producer did: the run fails with the producer's error.
    if (failure.kind === "stream") inst = this.streams?.producerOf(inst) ?? inst;
    const attempt = this.bumpAttempts(inst.id);
    const error: RuntimeError = taskFailureError(this.failedInstance(inst, thread), failure);
    const decision = decideRetry(taskOptionsOf(this.ctx.manifest, inst.task), failure, attempt);
    // A stream cannot be read twice: streaming tasks are never retried.
    const final = decision.final || isStreamTask(this.ctx.manifest, inst.task);
    const { delayMs } = decision;
    const record = this.report.get(inst.id) as InstanceRecord;
    record.attempts = attempt;
    const base = { instanceId: inst.id, task: inst.task, name: record.name };
    this.emit({ type: "failed", ...base, at: Date.now(), worker: "local", ...(thread !== undefined ? { thread } : {}), attempt, final, error });
    if (final) {
      this.report.fail(record, thread, error.message);
      throw error;
    }
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

  private failedInstance(inst: TaskInstance, thread: number | undefined): FailedInstance {
    const loc = this.locs.get(inst.nodeId) ?? this.ctx.manifest.tasks[inst.task]?.loc ?? { file: "?", line: 0, column: 0 };
    return { instanceId: inst.id, task: inst.task, name: this.taskName(inst.task), loc, attempts: this.attempts.get(inst.id) ?? 1, worker: "local", thread };
  }

  private taskName(task: string): string {
    let name = this.names.get(task);
    if (name === undefined) {
      name = taskNameOf(this.ctx.manifest, task);
      this.names.set(task, name);
    }
    return name;
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
    const result = resolveValue(this.graph.result(), this.ctx.input, (id) => this.read(id), this.inline);
    this.settle();
    this.progress?.finish(this.graph.completedCount, this.graph.knownCount, false);
    for (const lane of this.lanes.values()) if (lane.shared) void releasePool(lane.shared, false);
    if (this.ctx.options.report) {
      this.resolveRun({ result, report: this.report.build("succeeded") });
      return;
    }
    // Nobody asked for the report: it is built (with the time of that call) only if read.
    let report: RunReport | undefined;
    const builder = this.report;
    this.resolveRun({
      result,
      get report() {
        return (report ??= builder.build("succeeded"));
      },
    });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settle();
    this.progress?.finish(this.graph.completedCount, this.graph.knownCount, true);
    if (typeof error === "object" && error !== null) (error as { report?: unknown }).report = this.report.build("failed");
    const close = (): void => {
      const closing = [...this.lanes.values()].map((lane) => (lane.shared ? releasePool(lane.shared, true) : undefined));
      void Promise.allSettled(closing).then(() => this.rejectRun(error));
    };
    if (this.streams) void this.streams.drain(STREAM_DRAIN_MS).then(close);
    else close();
  }

  private settle(): void {
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ctx.options.signal?.removeEventListener("abort", this.onAbort);
  }
}
