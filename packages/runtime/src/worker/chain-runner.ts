import { leasePool, releasePool, type SharedPool } from "../threads/pool-set.js";
import { METRICS_STRIDE, TaskMetric as M } from "../protocol/thread-messages.js";
import type { Delivery } from "../store/task-queue.js";
import type { TaskObserver } from "./gateway-observer.js";
import { AckToken, type BatchOutcome, type Chain, describeBatch, runBatch } from "./chain-batch.js";
import { completeChains } from "./chain-completion.js";
import type { CompletionContext } from "./completion-context.js";
import type { WorkerRun, WorkerRunCache } from "./worker-run-cache.js";
import type { MetricsSource, TaskMetricsRow } from "../report/metrics-record.js";
import type { MetricsSink } from "./metrics-sink.js";
import type { OptimizationUsesRecord } from "../report/optimization-uses.js";
import type { UseSink } from "./task-clustering.js";
import { BatchSizer } from "../scheduling/batch-sizer.js";
import { HeldOutputs, type HeldOutput } from "./delayed-io.js";
import { feedsPreload, Preloads } from "./preload.js";
import { recordUse } from "./task-clustering.js";
import { DeliveryAcks } from "./delivery-acks.js";
import { chainMetricsRow, enqueuedAt } from "./chain-metrics.js";
import { chainInputs, readChainInputs } from "./chain-inputs.js";
import { ChainFailures } from "./chain-failures.js";
import { isRedisUnavailable } from "../store/redis-errors.js";
import { runErrorRecord, workerErrorRecord } from "./run-error-record.js";
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
  private readonly sizer: BatchSizer;
  private readonly acks: DeliveryAcks;
  private started = 0;

  /** Pools of tasks with their own `memoryMb` (below the worker's limit), by heap limit. */
  private readonly limited = new Map<number, SharedPool>();

  private readonly ctx: CompletionContext & RunnerContext;

  /** Outputs delayed I/O holds here, each checked again after a backoff. */
  private readonly delayed = new HeldOutputs((h) => this.recheck(h));

  /** Fan-ins planned here whose inputs this worker reads while they are made (pre-load). */
  private readonly preloads: Preloads;

  private readonly failures: ChainFailures;

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
    this.acks = new DeliveryAcks(ctx);
    this.failures = new ChainFailures(ctx, {
      retry: (c) => {
        this.runnable.push(c);
        this.pump();
      },
      end: (c) => this.end(c),
      pump: () => this.pump(),
      handBack: (chains, error) => this.acks.handBack(chains, [], error),
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
    return this.acks.size;
  }

  /**
   * Deliveries that take capacity: those held, less those only outputs held by delayed I/O keep
   * (approximately: one a held output shares with a running chain counts as free).
   */
  get working(): number {
    return Math.max(0, this.acks.size - this.delayed.deliveries() - this.preloads.deliveries());
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
    return this.acks.ids();
  }

  /** Takes deliveries read from the queue; resolves once they are queued to run (or dropped). */
  async accept(deliveries: Delivery[]): Promise<void> {
    this.acks.hold(deliveries.map((d) => d.id));
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
      this.acks.handBack(
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
        this.acks.release([token]);
        continue;
      }
      chains.push({
        run,
        inst,
        inputs: chainInputs(inst.deps.length),
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
    const bad = await readChainInputs(this.ctx.store, run, chains);
    if (bad) {
      // A stored input that does not decode, or is too large: the run fails here, the worker goes on.
      const c = chains[0]!;
      await this.failures.failRun(run, c.inst, workerErrorRecord(c.inst.id, this.ctx.workerId, bad));
      for (const x of chains) this.end(x);
      return;
    }
    for (const c of chains) {
      if (c.inst.deps.every((x) => c.inputs.has(x))) this.runnable.push(c);
      else {
        this.ctx.log(`run ${runId} task ${c.inst.id} left to the redelivered chain holding its inputs`);
        this.end(c);
      }
    }
  }

  private end(c: Chain): void {
    this.acks.release(c.tokens);
    c.tokens = [];
  }

  /** Starts batches while threads are free. */
  private pump(): void {
    while (this.inFlight < this.ctx.pool.threads && this.runnable.length > 0) {
      const batch = this.take();
      if (batch.length === 0) continue;
      this.inFlight++;
      void this.execute(batch).catch((error: Error) => this.failures.internal(batch, error));
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
      this.failures.taskFailed(batch[at]!, outcome.failure, outcome.threadId);
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
      row: chainMetricsRow(c, i, m, cold && i === 0),
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
      this.failures.internal(
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
      this.failures.taskFailed(c, interrupted(why), 0);
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
    void this.complete(run, [], [h, ...peers]).catch((error: Error) => this.failures.internal([h.chain, ...peers.map((p) => p.chain)], error));
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
      await this.failures.failRun(run, inst, runErrorRecord(site, "graph", { name, message, stack, code, reason, loc }));
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

  private source(run: WorkerRun, thread: number): MetricsSource {
    return { worker: this.ctx.workerId, thread, group: this.ctx.group, planner: run.plan.planner ?? "wukong", memoryMb: this.ctx.memoryMb };
  }
}
