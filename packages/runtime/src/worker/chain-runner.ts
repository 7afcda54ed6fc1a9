import { leasePool, releasePool, type SharedPool } from "../threads/pool-set.js";
import type { ThreadError } from "../protocol/thread-messages.js";
import { METRICS_STRIDE, TaskMetric as M } from "../protocol/thread-messages.js";
import type { Delivery } from "../store/task-queue.js";
import type { TaskObserver } from "./gateway-observer.js";
import { decodeStored } from "../codec/remote-codec.js";
import { AckToken, type BatchOutcome, type Chain, runBatch } from "./chain-batch.js";
import { completeChains, type CompletionContext } from "./chain-completion.js";
import type { WorkerRun, WorkerRunCache } from "./worker-run-cache.js";
import type { MetricsSource, TaskMetricsRow } from "../report/metrics-record.js";
import type { MetricsSink } from "./metrics-sink.js";
import type { OptimizationUsesRecord } from "../report/optimization-uses.js";
import type { UseSink } from "./task-clustering.js";
import { decideRetry } from "../protocol/retry-policy.js";
import { BatchSizer } from "../scheduling/batch-sizer.js";
import { HeldOutputs, type HeldOutput } from "./delayed-io.js";
import { feedsPreload, Preloads } from "./preload.js";
import { recordUse } from "./task-clustering.js";
import type { RunErrorRecord } from "../protocol/run-error-record.js";
import { isRuntimeError } from "../errors.js";
import { isRedisUnavailable } from "../store/redis-errors.js";
import { InlineStepError } from "../scheduling/inline-functions.js";
import { runErrorRecord, taskErrorRecord, workerErrorRecord } from "./run-error-record.js";
import type { RedisOutputStreams } from "../store/redis-output-streams.js";
import { openChainStreams, streamsOf, type OpenStreams } from "./chain-streams.js";
import { interrupted } from "./stream-bridge.js";

/** What the runner needs from its worker. */
export interface RunnerContext extends Omit<CompletionContext, "freeThreads"> {
  pool: SharedPool;
  runs: WorkerRunCache;
  observer?: TaskObserver | undefined;
  /** Called when deliveries are acknowledged (capacity freed). */
  released: () => void;
  /** Where task metrics go (by the worker's upload strategy). */
  metrics: MetricsSink;
  /** Memory of this worker in MiB (reported with its metrics, for cost). */
  memoryMb: number;
  /** The runs' output streams (absent: streaming tasks fail the run). */
  streams?: RedisOutputStreams;
}

/** Enqueue time of a stream entry (`<ms>-<seq>`), or now when the id says nothing. */
function enqueuedAt(entryId: string): number {
  const ms = Number(entryId.slice(0, entryId.indexOf("-")));
  return Number.isFinite(ms) && ms > 0 ? ms : Date.now();
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

/** The inputs of every chain whose task reads no output (most of a wide fan-out): one map, never written. */
class NoInputs extends Map<string, unknown> {
  override set(key: string): this {
    throw new Error(`internal: input ${key} added to a task that reads no output`);
  }
}
const NO_INPUTS: Map<string, unknown> = new NoInputs();

/** Delay before retrying acknowledgements that failed (Redis down). */
const ACK_RETRY_MS = 500;

/** Most chains in one batch (each completes in the batch's one Lua call). */
const MAX_BATCH = 256;

/**
 * Runs hand-offs the WUKONG way, in batches: the current tasks of many chains go to a thread as
 * one batch, complete in one Lua call, and each chain continues with a dependent it claimed
 * (its inputs already in memory); deliveries are acknowledged when the chains holding them end.
 */
export class ChainRunner {
  private runnable: Chain[] = [];
  private inFlight = 0;
  private readonly heldIds = new Set<string>();
  private readonly sizer: BatchSizer;
  private acks: string[] = [];
  private ackScheduled = false;
  private started = 0;

  /** Pools of tasks with their own `memoryMb` (below the worker's limit), by heap limit. */
  private readonly limited = new Map<number, SharedPool>();

  private readonly ctx: CompletionContext & RunnerContext;

  /** Outputs delayed I/O holds here, each checked again after a backoff. */
  private readonly delayed = new HeldOutputs((h) => this.recheck(h));

  /** Fan-ins planned here whose inputs this worker reads while they are made (pre-load). */
  private readonly preloads: Preloads;

  constructor(ctx: RunnerContext) {
    this.ctx = { ...ctx, freeThreads: () => this.ctx.pool.threads - this.inFlight - this.runnable.length };
    this.preloads = new Preloads({
      store: ctx.store,
      workerId: ctx.workerId,
      log: ctx.log,
      complete: (run, held, preloaded) => this.completeHeld(run, held, preloaded),
      end: (held) => {
        for (const h of held) this.end(h.chain);
        this.ctx.released();
      },
    });
    this.sizer = new BatchSizer({ threads: ctx.pool.threads, maxInFlight: ctx.pool.threads, maxSeeds: MAX_BATCH });
  }

  /** Stops the pools of tasks with their own heap limit (the worker's own pool is the worker's), and the checks of held outputs. */
  async close(): Promise<void> {
    this.preloads.drain();
    this.delayed.clear();
    const pools = [...this.limited.values()];
    this.limited.clear();
    await Promise.all(pools.map((p) => releasePool(p, true)));
  }

  /**
   * The heap limit a chain's current task runs under: its `memoryMb` option when it is below the
   * worker's own limit (`--memory-mb`), else undefined (the worker's pool).
   */
  private taskLimit(c: Chain): number | undefined {
    const mb = c.run.taskOptions(c.inst.task).memoryMb;
    const own = this.ctx.pool.memoryMb;
    return mb !== undefined && (own === undefined || mb < own) ? mb : undefined;
  }

  /** The pool for tasks with heap limit `mb` (same thread count as the worker's, started on first use). */
  private poolFor(mb: number | undefined): SharedPool {
    if (mb === undefined) return this.ctx.pool;
    let pool = this.limited.get(mb);
    if (!pool) {
      pool = leasePool(this.ctx.pool.threads, mb);
      this.limited.set(mb, pool);
    }
    return pool;
  }

  /** Deliveries not yet acknowledged. */
  get held(): number {
    return this.heldIds.size;
  }

  /**
   * Deliveries that take capacity: those held, less those only outputs held by delayed I/O keep
   * (approximately: one a held output shares with a running chain counts as free).
   */
  get working(): number {
    return Math.max(0, this.heldIds.size - this.delayed.deliveries() - this.preloads.deliveries());
  }

  /** Fan-ins whose inputs this worker pre-loads now (each with a subscription to its run's events). */
  get preloading(): number {
    return this.preloads.open;
  }

  /** The worker stops: pre-loads end, and the outputs held for them complete as usual. */
  drainPreloads(): void {
    this.preloads.drain();
  }

  /** Ids of the deliveries held (for lease heartbeats). */
  heldDeliveries(): string[] {
    return [...this.heldIds];
  }

  /** Takes deliveries read from the queue; resolves once they are queued to run (or dropped). */
  async accept(deliveries: Delivery[]): Promise<void> {
    for (const d of deliveries) this.heldIds.add(d.id);
    const byRun = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const list = byRun.get(d.runId);
      if (list) list.push(d);
      else byRun.set(d.runId, [d]);
    }
    await Promise.all([...byRun].map(([runId, list]) => this.acceptRun(runId, list)));
    this.pump();
  }

  private async acceptRun(runId: string, list: Delivery[]): Promise<void> {
    const chains: Chain[] = [];
    const seen = new Set<string>();
    try {
      await this.prepareRun(runId, list, chains, seen);
    } catch (error) {
      if (!isRedisUnavailable(error)) throw error;
      // Redis failed while the run or the inputs were read: hand the deliveries back (none of them ran).
      this.handBack(
        chains,
        list.filter((d) => !seen.has(d.id)).map((d) => d.id),
        error as Error,
      );
    }
  }

  /** Builds the chains of `list` (into `chains`; `seen` gets each delivery made a chain or released). */
  private async prepareRun(runId: string, list: Delivery[], chains: Chain[], seen: Set<string>): Promise<void> {
    let run: WorkerRun | undefined;
    try {
      run = await this.ctx.runs.get(runId);
    } catch (error) {
      if (isRedisUnavailable(error)) throw error;
      const e = error as Error & { code?: string };
      // Refused or unreadable (a bundle whose hash or signature does not match, a manifest of another version, a corrupt input): the run fails, the worker goes on.
      this.ctx.log(`run ${runId}: ${e.code ? `${e.code} ` : ""}${e.message}`);
      await this.ctx.store.fail(runId, workerErrorRecord(list[0]!.instanceId, this.ctx.workerId, e)).catch(() => false);
    }
    for (const d of list) {
      const token = new AckToken([d.id]);
      token.refs = 1;
      let inst = run?.replica.instance(d.instanceId);
      if (run && !inst) {
        run.replica.refresh(await this.ctx.store.getLengths(runId));
        inst = run.replica.instance(d.instanceId);
      }
      seen.add(d.id);
      if (!run || run.over || !inst) {
        if (run && !inst) this.ctx.log(`run ${runId} has no instance ${d.instanceId} with the recorded lengths`);
        this.release([token]);
        continue;
      }
      const inputs = inst.deps.length > 0 ? new Map<string, unknown>() : NO_INPUTS;
      chains.push({
        run,
        inst,
        inputs,
        tokens: [token],
        failures: 0,
        observer: this.ctx.observer?.forHandoff(d.id),
        readyAt: enqueuedAt(d.id),
        fetchMs: 0,
        fetchBytes: 0,
        fetched: 0,
      });
    }
    if (!run || chains.length === 0) return;
    const ids = [...new Set(chains.flatMap((c) => c.inst.deps))];
    const t0 = performance.now();
    const values = ids.length > 0 ? await this.ctx.store.readOutputs(runId, ids) : [];
    const got = new Map(ids.map((id, i) => [id, values[i]]));
    let total = 0;
    try {
      for (const c of chains) {
        for (const x of c.inst.deps) {
          const v = got.get(x);
          if (v === undefined) continue;
          c.inputs.set(x, decodeStored(v, `stored output of instance ${x}`, run.maxValueBytes, x));
          c.fetchBytes += v.length;
          c.fetched++;
        }
        total += c.fetchBytes;
      }
    } catch (error) {
      // A stored input that does not decode, or is too large: the run fails here, the worker goes on.
      const e = error as Error & { code?: string };
      const c = chains[0]!;
      await this.failRun(run, c.inst, workerErrorRecord(c.inst.id, this.ctx.workerId, e));
      for (const x of chains) this.end(x);
      return;
    }
    // The read and the decoding, shared by the chains in proportion to the bytes each read.
    const ms = performance.now() - t0;
    for (const c of chains) {
      c.fetchMs = total > 0 ? (ms * c.fetchBytes) / total : 0;
      if (c.inst.deps.every((x) => c.inputs.has(x))) this.runnable.push(c);
      else {
        this.ctx.log(`run ${runId} task ${c.inst.id} left to the redelivered chain holding its inputs`);
        this.end(c);
      }
    }
  }

  private release(tokens: AckToken[]): void {
    for (const t of tokens) if (--t.refs === 0 && !t.handedBack) for (const id of t.ids) this.acks.push(id);
    this.scheduleAck(0);
  }

  /** Chains ending in the same tick are acknowledged in one call; a failed call is retried after `delayMs`. */
  private scheduleAck(delayMs: number): void {
    if (this.acks.length === 0 || this.ackScheduled) return;
    this.ackScheduled = true;
    const flush = (): void => {
      this.ackScheduled = false;
      const ids = this.acks.splice(0);
      this.ctx.queue.ack(this.ctx.group, ids).then(
        () => this.forgetHeld(ids),
        (error: Error) => {
          // The consumer group is gone (Redis came back empty): so are these entries.
          if (/^NOGROUP/.test(error.message)) return this.forgetHeld(ids);
          this.ctx.log(`worker ${this.ctx.workerId}: ack of ${ids.length} hand-offs failed, retrying: ${error.message}`);
          for (const id of ids) this.acks.push(id);
          this.scheduleAck(ACK_RETRY_MS);
        },
      );
    };
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  }

  private forgetHeld(ids: readonly string[]): void {
    for (const id of ids) this.heldIds.delete(id);
    this.ctx.released();
  }

  /**
   * Redis failed under these chains (a command rejected while it was down): they stop here and
   * their deliveries are handed back, unacknowledged and no longer renewed, so that after the
   * lease a worker (maybe this one) takes them over and redoes them (completions are idempotent;
   * a redelivered completion hands on what the first one made ready).
   */
  private handBack(chains: readonly Chain[], ids: readonly string[], error: Error): void {
    const back: string[] = [...ids];
    for (const c of chains) {
      for (const t of c.tokens) {
        if (t.handedBack) continue;
        t.handedBack = true;
        back.push(...t.ids);
      }
      c.tokens = [];
    }
    if (back.length === 0) return;
    this.ctx.log(`worker ${this.ctx.workerId}: Redis failed (${error.message}); ${back.length} hand-offs handed back for redelivery`);
    this.forgetHeld(back);
  }

  private end(c: Chain): void {
    this.release(c.tokens);
    c.tokens = [];
  }

  /** Starts batches while threads are free. */
  private pump(): void {
    while (this.inFlight < this.ctx.pool.threads && this.runnable.length > 0) {
      const batch = this.take();
      if (batch.length === 0) continue;
      this.inFlight++;
      void this.execute(batch).catch((error: Error) => this.internal(batch, error));
    }
  }

  /** The next batch: chains of one run, sized from the mean task time; a task with a timeout alone. */
  private take(): Chain[] {
    const first = this.runnable.shift()!;
    if (first.run.over) {
      this.end(first);
      return [];
    }
    if (first.run.taskOptions(first.inst.task).timeoutMs !== undefined || streamsOf(first)) return [first];
    const size = this.sizer.seeds(this.runnable.length + 1, this.inFlight);
    const batch = [first];
    const rest: Chain[] = [];
    const limit = this.taskLimit(first);
    for (const c of this.runnable) {
      if (batch.length < size && c.run === first.run && c.run.taskOptions(c.inst.task).timeoutMs === undefined && this.taskLimit(c) === limit && !streamsOf(c))
        batch.push(c);
      else rest.push(c);
    }
    this.runnable = rest;
    return batch;
  }

  private async execute(batch: Chain[]): Promise<void> {
    const run = batch[0]!.run;
    const cold = this.started === 0 || run.coldBundle;
    run.coldBundle = false;
    this.started += batch.length;
    run.lastUsed = Date.now();
    this.ctx.log(`run ${run.runId} ${describeBatch(batch.map((c) => c.inst))} start`);
    if (this.ctx.observer) await Promise.all(batch.map((c) => c.observer?.started(run, c.inst)));
    if (run.plan.colocate !== undefined) for (const c of batch) this.preloads.begin(run, c.inst, this.ctx.group);
    this.ctx.events.running(
      run,
      batch.map((c) => c.inst),
      (i) => batch[i]!.failures + 1,
    );
    // Under a gateway, the gateway enforces timeouts (it stops the worker and the task is retried elsewhere).
    const timeoutMs = batch.length === 1 && !this.ctx.observer ? run.taskOptions(batch[0]!.inst.task).timeoutMs : undefined;
    let outcome: BatchOutcome;
    let refused = false;
    try {
      const streams = batch.length === 1 && streamsOf(batch[0]!) ? await this.openStreams(batch[0]!) : undefined;
      if (streams === null) {
        refused = true;
        return;
      }
      const limit = this.taskLimit(batch[0]!);
      outcome = await runBatch(this.poolFor(limit), batch, timeoutMs, limit === undefined ? undefined : "task option memoryMb", streams?.ports);
      await streams?.done();
    } finally {
      this.inFlight--;
      if (refused) this.pump();
    }
    const done = batch.slice(0, outcome.outputs.length);
    const m = outcome.metrics;
    for (let i = 0; i < done.length; i++) {
      const ms = (m[i * METRICS_STRIDE + M.finished] ?? 0) - (m[i * METRICS_STRIDE + M.started] ?? 0);
      this.sizer.observe(ms);
    }
    if (outcome.failure) {
      const at = outcome.failedAt ?? done.length;
      // Chains that did not complete (before a crash, or after the failing one) run again.
      this.runnable.unshift(...batch.slice(done.length, at), ...batch.slice(at + 1));
      this.failed(batch[at]!, outcome.failure, outcome.threadId);
    }
    this.pump();
    if (done.length === 0) return;
    this.ctx.events.ran(
      run,
      done.map((c) => c.inst),
      m,
      outcome.threadId,
      (i) => done[i]!.failures + 1,
    );
    // The run's `done` (published by the completion) must follow its last task events.
    this.ctx.events.flush(run);
    const sizes = done.map((_, i) => m[i * METRICS_STRIDE + M.outputBytes] ?? 0);
    const source = this.source(run, outcome.threadId);
    const ran: HeldOutput[] = done.map((c, i) => ({
      chain: c,
      output: outcome.outputs[i],
      size: sizes[i] ?? 0,
      row: this.row(c, i, m, cold && i === 0),
      source,
      checks: 0,
    }));
    const now = run.plan.colocate === undefined ? ran : this.holdForPreload(run, ran);
    if (now.length === 0) return;
    // Outputs held here that feed the same dependents complete with this batch (all in memory here).
    const peers = this.delayed.takeFeeding(
      run,
      now.map((h) => h.chain.inst.id),
    );
    await this.complete(run, now, peers);
  }

  /**
   * Pre-load: outputs whose only dependent is a fan-in pre-loaded here are held until its other
   * inputs are complete (they end here as tasks: logged, their threads free). Returns the others.
   */
  private holdForPreload(run: WorkerRun, ran: HeldOutput[]): HeldOutput[] {
    const now: HeldOutput[] = [];
    for (const h of ran) {
      const inst = h.chain.inst;
      if (!this.preloads.hold(h)) {
        now.push(h);
        continue;
      }
      this.ctx.log(`run ${run.runId} task ${inst.id} end, output held here for its pre-loaded fan-in`);
      h.chain.observer?.ended(run, inst, true);
      this.ctx.released();
    }
    return now;
  }

  /** Completes outputs pre-load held: with the inputs it read for their fan-in, or (pre-load ended) as usual. */
  private completeHeld(run: WorkerRun, held: HeldOutput[], preloaded?: { target: string; values: ReadonlyMap<string, unknown> }): void {
    if (run.over) {
      for (const h of held) this.end(h.chain);
      return;
    }
    for (const h of held) if (preloaded) h.chain.preloaded = preloaded.values;
    const peers = this.delayed.takeFeeding(
      run,
      held.map((h) => h.chain.inst.id),
    );
    const use = preloaded && { target: preloaded.target, inputs: preloaded.values.size };
    void this.complete(run, [], [...held, ...peers], use).catch((error: Error) =>
      this.internal(
        [...held, ...peers].map((h) => h.chain),
        error,
      ),
    );
  }

  /** Opens a streaming chain's streams; null when it must not run (it failed the run, or the run is gone). */
  private async openStreams(c: Chain): Promise<OpenStreams | null> {
    const open = this.ctx.streams ? await openChainStreams(this.ctx.streams, c, this.ctx.workerId, this.ctx.log) : "rerun";
    if (typeof open === "object") return open;
    if (open === "gone") this.end(c);
    else {
      const why = this.ctx.streams
        ? `streaming task ${c.inst.id} started again (its first run's worker stopped mid-stream): a stream cannot be replayed, so the run fails`
        : `streaming task ${c.inst.id} cannot run on a worker without Redis streams`;
      this.failed(c, interrupted(why), 0);
    }
    return null;
  }

  /** A held output is due for its next check: it completes, or is held again, with the held outputs feeding the same dependents. */
  private recheck(h: HeldOutput): void {
    const { run } = h.chain;
    if (run.over) {
      this.end(h.chain);
      return;
    }
    const peers = this.delayed.takeFeeding(run, [h.chain.inst.id]);
    void this.complete(run, [], [h, ...peers]).catch((error: Error) => this.internal([h.chain, ...peers.map((p) => p.chain)], error));
  }

  /**
   * Completes chains whose tasks ran: `ran` just now (their end is logged and reported), `peers`
   * earlier (outputs delayed I/O held). Chains held again are held; the others continue or end.
   */
  private async complete(run: WorkerRun, ran: HeldOutput[], peers: HeldOutput[], preloaded?: { target: string; inputs: number }): Promise<void> {
    const all = [...ran, ...peers];
    const chains = all.map((h) => h.chain);
    // Read before completing: a chain moves on to its next task there.
    const insts = ran.map((h) => h.chain.inst);
    const completing = performance.now();
    const res = await completeChains(
      this.ctx,
      run,
      chains,
      all.map((h) => h.output),
      all.map((h) => h.size),
    );
    const updateMs = (performance.now() - completing) / all.length;
    const held = new Set(res.held);
    const rows = new Map<MetricsSource, TaskMetricsRow[]>();
    for (const h of all) {
      const row = h.row;
      row.storeMs += res.encodeMs.get(row.instanceId) ?? 0;
      row.storedBytes += res.stored.get(row.instanceId) ?? 0;
      row.updateMs += updateMs;
      if (held.has(h.chain)) {
        if (h.checks === 0) this.ctx.log(`run ${run.runId} task ${row.instanceId} output held here (delayed I/O)`);
        this.delayed.hold(h);
        // Its thread is free: the worker may take more work.
        this.ctx.released();
        continue;
      }
      const list = rows.get(h.source);
      if (list) list.push(row);
      else rows.set(h.source, [row]);
    }
    for (const [source, list] of rows) this.ctx.metrics.add(run.runId, source, list);
    if (preloaded && preloaded.inputs > 0 && res.next.some((c) => c.inst.id === preloaded.target)) {
      this.ctx.log(`run ${run.runId} task ${preloaded.target} claimed here with ${preloaded.inputs} inputs pre-loaded`);
      recordUse(res.uses, preloaded.target, { pl: preloaded.inputs });
    }
    if (run.plan.colocate !== undefined && res.stored.size > 0) {
      // Pre-loaders of the fan-ins these outputs feed read them now.
      const announced = [...res.stored.keys()].filter((id) => feedsPreload(run, id));
      if (announced.length > 0) this.ctx.events.stored(run, announced);
    }
    if (res.uses.size > 0) this.recordUses(run, res.uses);
    for (const [to, from] of res.inherit) {
      for (const t of from.tokens) t.refs++;
      to.tokens.push(...from.tokens);
    }
    if (insts.length > 0) this.ctx.log(`run ${run.runId} ${describeBatch(insts)} end`);
    const failed = res.failure?.inst;
    if (this.ctx.observer) for (const [i, h] of ran.entries()) h.chain.observer?.ended(run, insts[i]!, !failed || insts[i] !== failed);
    if (res.failure) {
      const { inst, error } = res.failure;
      const site = { run, inst, worker: this.ctx.workerId };
      const { name, message, stack, code, reason, loc } = error;
      await this.failRun(run, inst, runErrorRecord(site, "graph", { name, message, stack, code, reason, loc }));
    }
    for (const c of res.ended) this.end(c);
    if (run.events)
      this.ctx.events.queued(
        run,
        res.next.map((c) => c.inst),
      );
    for (const c of res.next) this.runnable.push(c);
    this.pump();
  }

  /** Appends what the optimizations did to the run's metrics (not awaited: the report reads it at the end). */
  private recordUses(run: WorkerRun, uses: UseSink): void {
    const record: OptimizationUsesRecord = { w: this.ctx.workerId, u: [...uses] };
    this.ctx.store
      .appendMetrics(run.runId, [JSON.stringify(record)], 86_400)
      .catch((error: Error) => this.ctx.log(`run ${run.runId}: cannot record optimization metrics: ${error.message}`));
  }

  /** The metrics row of chain `c`, the `i`-th of its batch, before its completion. */
  private row(c: Chain, i: number, m: Float64Array, cold: boolean): TaskMetricsRow {
    const k = i * METRICS_STRIDE;
    const startedAt = m[k + M.started] ?? 0;
    const inputBytes = m[k + M.inputBytes] ?? 0;
    const deps = c.inst.deps.length;
    return {
      instanceId: c.inst.id,
      task: c.inst.task,
      startedAt,
      finishedAt: m[k + M.finished] ?? 0,
      inputBytes,
      // Estimated: the input's share of the inputs held in memory (sizes in memory are estimates, Redis bytes are exact).
      memoryBytes: deps === 0 ? inputBytes : Math.round((inputBytes * (deps - Math.min(deps, c.fetched))) / deps),
      outputBytes: m[k + M.outputBytes] ?? 0,
      cold,
      queueWaitMs: Math.max(0, startedAt - c.readyAt),
      fetchMs: c.fetchMs + (m[k + M.fetchMs] ?? 0),
      redisBytes: c.fetchBytes,
      storeMs: 0,
      storedBytes: 0,
      updateMs: 0,
      attempt: c.failures + 1,
      cpu: m[k + M.cpu] ?? -1,
    };
  }

  private source(run: WorkerRun, thread: number): MetricsSource {
    return { worker: this.ctx.workerId, thread, group: this.ctx.group, planner: run.plan.planner ?? "wukong", memoryMb: this.ctx.memoryMb };
  }

  /** A task failed: retry it after a backoff when its `retries` allow, else fail the run. */
  private failed(c: Chain, error: ThreadError, thread: number): void {
    if (error.kind === "bundle") {
      const { manifest } = c.run;
      const message = `the task bundle ${manifest.bundle.hash} of ${manifest.source} ${error.message}`;
      const record = runErrorRecord({ run: c.run, inst: c.inst, worker: this.ctx.workerId }, "bundle", { ...error, message });
      void this.failRun(c.run, c.inst, record).finally(() => {
        c.observer?.ended(c.run, c.inst, false);
        this.end(c);
      });
      return;
    }
    if (error.kind === "stream") {
      // Its stream's producer failed (its own worker reports that), or the run ended: nothing to record here.
      this.ctx.log(`run ${c.run.runId} task ${c.inst.id} stopped: its input stream failed: ${error.message}`);
      c.observer?.ended(c.run, c.inst, false);
      this.end(c);
      return;
    }
    c.failures++;
    const retry = decideRetry(c.run.taskOptions(c.inst.task), error, c.failures);
    // A stream cannot be read twice: streaming tasks are never retried.
    const final = retry.final || c.run.over || streamsOf(c);
    const record = taskErrorRecord({ run: c.run, inst: c.inst, worker: this.ctx.workerId, attempts: c.failures, thread }, error);
    this.ctx.events.failed(c.run, c.inst, c.failures, final, record, thread);
    if (!final) {
      const delay = retry.delayMs;
      this.ctx.events.retrying(c.run, c.inst, c.failures + 1, delay);
      this.ctx.log(`run ${c.run.runId} task ${c.inst.id} (${c.inst.task}) failed (attempt ${c.failures}), retrying in ${delay} ms: ${error.message}`);
      setTimeout(() => {
        c.readyAt = Date.now();
        this.runnable.push(c);
        this.pump();
      }, delay);
      return;
    }
    void this.failRun(c.run, c.inst, record).finally(() => {
      c.observer?.ended(c.run, c.inst, false);
      this.end(c);
    });
  }

  private async failRun(run: WorkerRun, inst: Chain["inst"], record: RunErrorRecord): Promise<void> {
    run.over = true;
    this.ctx.runs.forget(run.runId);
    const tries = (record.detail?.attempts ?? 1) > 1 ? ` after ${record.detail?.attempts} attempts` : "";
    this.ctx.log(`run ${run.runId} task ${inst.id} (${inst.task}) failed${tries}: ${record.message}`);
    this.ctx.events.flush(run);
    await this.ctx.store.fail(run.runId, record).catch((error: Error) => this.ctx.log(`run ${run.runId}: cannot record the error: ${error.message}`));
  }

  /** An internal error must not leave the client waiting: record it as the run's error. */
  private internal(batch: Chain[], error: Error): void {
    if (isRedisUnavailable(error)) {
      this.handBack(batch, [], error);
      this.pump();
      return;
    }
    const c = batch[0]!;
    this.ctx.log(`run ${c.run.runId} task ${c.inst.id}: worker error ${error.stack ?? error.message}`);
    // A runtime error of the run's own (an inline step that threw) fails it as such; anything else is the worker's.
    const own = isRuntimeError(error) && error.code !== "TL_WORKER_INTERNAL";
    if (own && (error.code === "TL_VALUE_CORRUPT" || error.code === "TL_VALUE_TOO_LARGE")) {
      // A stored value read after a completion (a fan-in's inputs, an expansion's source) that does not decode, or is too large.
      void this.failRun(c.run, c.inst, workerErrorRecord(c.inst.id, this.ctx.workerId, error)).finally(() => {
        for (const x of batch) this.end(x);
        this.pump();
      });
      return;
    }
    const record = runErrorRecord({ run: c.run, inst: c.inst, worker: this.ctx.workerId }, own && error.code === "TL_INLINE_FAILED" ? "inline" : "worker", {
      name: error.name,
      message: own ? error.message : `worker ${this.ctx.workerId} failed: ${error.message}`,
      stack: error.stack,
      code: own ? error.code : "TL_WORKER_INTERNAL",
      ...(error instanceof InlineStepError ? { inline: error } : {}),
    });
    void this.failRun(c.run, c.inst, record).finally(() => {
      for (const x of batch) this.end(x);
      this.pump();
    });
  }
}
