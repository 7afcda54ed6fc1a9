import { CpuQuota, type CpuController } from "./cpu-quota.js";
import { beforeDeadline } from "../store/redis-errors.js";
import type { RunStore } from "../store/run-store.js";
import type { GatewayConfig, ResourceConfiguration } from "./gateway-config.js";
import type { LogRelay } from "./log-relay.js";
import type { QueueDepth } from "../store/queue-probe.js";
import type { GatewayStore } from "../store/gateway-store.js";
import type { RunTaskFailure } from "../store/run-log-channel.js";
import { failRun } from "../store/task-failure-record.js";
import type { HeldTask, WorkerLedger, WorkerRecord } from "./worker-ledger.js";
import { spawnWorkerProcess, type WorkerProcess } from "./worker-process.js";
import { parseWorkerEvent } from "../protocol/worker-protocol.js";
import { WorkerWatch } from "./worker-watch.js";

/** What a pool shares with the rest of its gateway. */
export interface WorkerPoolContext {
  readonly settings: GatewayConfig;
  readonly ledger: WorkerLedger;
  readonly relay: LogRelay;
  /** The gateway's records in Redis: log channels, failure records, start metrics, queue depth. */
  readonly records: GatewayStore;
  /** The remote runtime's run store: a task failure the gateway decides fails its run there. */
  readonly store: RunStore;
  readonly redisUrl: string;
  /** The signing key the workers get in their environment (none: they inherit the gateway's). */
  readonly signingKey: string | undefined;
  readonly workerScript: string;
  /** Short tag of this gateway, appended to worker ids so consumer names stay unique across gateways. */
  readonly tag: string;
  /** The CPU controller quotas go in (found once per gateway), or why there is none. */
  readonly cpuController: () => CpuController | string;
}

const OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;
const RECONCILE_AFTER_MS = 3000;

/**
 * The supervisor of one resource configuration: starts workers when its queue holds more work than
 * its workers can take (cold start), leaves waiting work to idle workers (warm start), stops a
 * worker after `keepAliveMs` without work (down to zero), and never runs more than `maxWorkers`.
 */
export class WorkerPool {
  readonly config: ResourceConfiguration;
  /** The queue as last probed. */
  depth: QueueDepth = { waiting: 0, orphaned: 0, held: new Map() };
  readonly #context: WorkerPoolContext;
  /** The configuration's CPU quota, when it sets `cpus`. */
  readonly cpuQuota: CpuQuota | undefined;
  readonly #processes = new Map<string, WorkerProcess>();
  readonly #exits = new Map<string, Promise<void>>();
  readonly #served = new Set<string>();
  readonly #watch: WorkerWatch;
  #sequence = 0;
  #bootFailures = 0;
  #spawnAfter = 0;

  constructor(config: ResourceConfiguration, context: WorkerPoolContext) {
    this.config = config;
    this.#context = context;
    this.cpuQuota = config.cpus !== undefined ? new CpuQuota(config.cpus, context.cpuController()) : undefined;
    this.#watch = new WorkerWatch(config, context, {
      stop: (record, reason, signal) => this.stop(record, reason, signal),
      fail: (record, task, reason, message) => this.#fail(record, task, reason, message),
    });
  }

  /**
   * Workers up now (idle or busy), each as the ms of keep-alive it has left: warm starts for the
   * next run. A busy worker has its whole keep-alive ahead (its idle clock starts when its tasks
   * end): the entry is a snapshot refreshed every second, so a worker busy with the end of the
   * previous run when it was taken is idle when the next run is planned.
   */
  warmWorkers(now = Date.now()): number[] {
    return this.#context.ledger
      .live(this.config.name)
      .filter((r) => r.state === "ready" || r.state === "idle" || r.state === "busy")
      .map((r) => (r.tasks.size > 0 || r.idleSince === undefined ? this.config.keepAliveMs : Math.max(0, this.config.keepAliveMs - (now - r.idleSince))));
  }

  /** One supervision step: probe the queue, scale up or down, check stalls and timeouts. */
  async tick(now = Date.now()): Promise<void> {
    const { ledger } = this.#context;
    const live = ledger.live(this.config.name);
    this.depth = await this.#context.records.probeQueue(this.config.queueKey, new Set(live.map((r) => r.id)));
    const active = live.filter((r) => r.state !== "stopping");
    const free = active.reduce((sum, r) => sum + Math.max(0, r.concurrency - r.tasks.size), 0);
    // Orphaned entries are claimed by any live worker after their lease: one worker is enough.
    let missing = this.depth.waiting - free + (this.depth.orphaned > 0 && active.length === 0 ? 1 : 0);
    let count = live.length;
    while (missing > 0 && count < this.config.maxWorkers && now >= this.#spawnAfter) {
      this.#spawn();
      missing -= this.config.threads;
      count += 1;
    }
    count += await this.#prewarm(now, count, -missing);
    for (const record of active) {
      const idle = record.tasks.size === 0 && record.idleSince !== undefined && (record.state === "ready" || record.state === "idle");
      if (idle && this.depth.waiting === 0 && now - record.idleSince! >= this.config.keepAliveMs) {
        this.stop(record, "keep-alive");
      }
    }
    this.#reconcile(active, now);
    await this.#watch.check(active, now);
  }

  /**
   * Pre-warm: starts a worker for each due request of a planned run (one cold start before its
   * plan needs it), unless `spare` threads are idle beyond the queue's work already (a warm
   * worker is there) or the configuration has `maxWorkers`. Returns the workers started.
   */
  async #prewarm(now: number, count: number, spare: number): Promise<number> {
    const due = await this.#context.records.takeDuePrewarms(this.config.name, now);
    let started = 0;
    for (const run of due) {
      if (spare >= this.config.threads) {
        spare -= this.config.threads;
        this.#context.relay.notice(`pre-warm for run ${run} not needed: a worker of ${this.config.name} is idle`);
        continue;
      }
      if (count + started >= this.config.maxWorkers) {
        this.#context.relay.notice(`pre-warm for run ${run} skipped: ${this.config.name} has its ${this.config.maxWorkers} workers`);
        continue;
      }
      const record = this.#spawn(run);
      started += 1;
      this.#context.records
        .recordStartMetric({ run, task: "", worker: record.id, config: this.config.name, kind: "prewarm", ms: null, bootMs: null })
        .catch((error: Error) => this.#context.relay.notice(`cannot store start metric: ${error.message}`));
    }
    return started;
  }

  /**
   * A worker the ledger thinks busy but that holds nothing in its queue for a while missed an end
   * event (a crash inside its chain, say): trust the queue, so that it can idle and stop.
   */
  #reconcile(workers: readonly WorkerRecord[], now: number): void {
    for (const record of workers) {
      if (record.tasks.size === 0 || (this.depth.held.get(record.id) ?? 0) > 0) continue;
      if (now - record.lastProgressAt < RECONCILE_AFTER_MS) continue;
      this.#context.relay.notice(`${record.id} holds no queued work any more; forgetting ${[...record.tasks.values()].map(describe).join(", ")}`);
      this.#context.ledger.clearTasks(record, now);
    }
  }

  /** Asks a worker to exit (SIGTERM, then SIGKILL after `stopGraceMs`), or kills it at once. */
  stop(record: WorkerRecord, reason: string, signal: NodeJS.Signals = "SIGTERM"): void {
    const process = this.#processes.get(record.id);
    if (!process || record.state === "exited") return;
    if (record.state !== "stopping") this.#context.relay.notice(`stopping ${record.id} (${reason})`);
    this.#context.ledger.markStopping(record, reason);
    process.signal(signal);
    if (signal !== "SIGKILL") setTimeout(() => process.signal("SIGKILL"), this.#context.settings.stopGraceMs).unref();
  }

  /**
   * Stops every worker of the pool and resolves when all have exited. Tasks they held are
   * recorded as failed with `reason` (`gateway-shutdown`), so that their runs fail instead of hanging.
   */
  async shutdown(why: string, graceMs: number): Promise<void> {
    const live = this.#context.ledger.live(this.config.name);
    const recorded = Promise.all(
      live.flatMap((record) =>
        [...record.tasks.values()].map((task) =>
          this.#fail(
            record,
            task,
            "gateway-shutdown",
            `the worker gateway stopped (${why}) while ${describe(task)} ran on worker ${record.id}; the task did not finish`,
          ),
        ),
      ),
    );
    // Recording needs Redis: bounded by the grace time (with Redis down the runs' clients notice on their own).
    await beforeDeadline(recorded, Date.now() + graceMs);
    for (const record of live) this.stop(record, "shutdown");
    await Promise.all(live.map((record) => this.#exits.get(record.id)));
  }

  /** Kills every worker at once, synchronously (for the gateway's `exit` handler). */
  killAll(): void {
    for (const process of this.#processes.values()) process.signal("SIGKILL");
  }

  #spawn(prewarmedFor?: string): WorkerRecord {
    const { ledger, relay } = this.#context;
    this.#sequence += 1;
    const id = `${this.config.name}#${this.#sequence}@${this.#context.tag}`;
    let record: WorkerRecord | undefined;
    let resolveExit!: () => void;
    this.#exits.set(id, new Promise((resolve) => (resolveExit = resolve)));
    const process = spawnWorkerProcess({
      id,
      config: this.config,
      redisUrl: this.#context.redisUrl,
      ...(this.#context.signingKey !== undefined ? { signingKey: this.#context.signingKey } : {}),
      keyPrefix: this.#context.settings.keyPrefix,
      workerScript: this.#context.workerScript,
      onLine: (line, stream) => record && this.#onLine(record, line, stream),
      onExit: (code, signal) => {
        if (record) this.#onExit(record, code, signal);
        this.cpuQuota?.release(id);
        this.#processes.delete(id);
        resolveExit();
      },
    });
    const quotaError = this.cpuQuota?.apply(id, process.pid);
    if (quotaError) relay.notice(quotaError);
    const quota = this.cpuQuota ? (quotaError ? `not enforced: ${quotaError}` : this.cpuQuota.state.detail) : null;
    record = ledger.add(id, this.config.name, process.pid, this.config.threads, Date.now(), quota);
    if (prewarmedFor !== undefined) record.prewarmedFor = prewarmedFor;
    this.#processes.set(id, process);
    process.child.on("error", (error) => relay.notice(`worker ${id}: ${error.message}`));
    relay.notice(
      `started ${id} (pid ${process.pid}, ${this.config.memoryMb} MB, ${this.config.threads} thread(s))${prewarmedFor !== undefined ? `, pre-warmed for run ${prewarmedFor}` : ""}`,
    );
    return record;
  }

  #onLine(record: WorkerRecord, line: string, stream: "out" | "err"): void {
    const { ledger, relay } = this.#context;
    const event = stream === "out" ? parseWorkerEvent(line) : undefined;
    if (!event) {
      if (stream === "err" && OUT_OF_MEMORY.test(line)) record.outOfMemory = true;
      relay.relay(record, line, stream);
      return;
    }
    switch (event.event) {
      case "ready":
        ledger.markReady(record);
        relay.notice(`${record.id} ready after ${record.coldStartMs} ms`);
        return;
      case "task-start": {
        const fresh = record.tasksDone === 0 && record.tasks.size === 0;
        const within = ledger.taskStart(record, {
          run: event.run,
          task: event.task,
          name: event.name,
          timeoutMs: event.timeoutMs,
          attempt: event.attempt,
          retries: event.retries,
        });
        relay.relay(record, `task started${event.name ? ` (${event.name})` : ""}`, "out", event);
        if (!within) relay.notice(`OVER-COMMIT: ${record.id} holds ${record.tasks.size} tasks, concurrency ${record.concurrency}`);
        this.#recordStart(record, event.run, event.task, fresh, event.entryId);
        return;
      }
      case "task-end":
        relay.relay(record, `task ended (${event.ok ? "ok" : "failed"})`, "out", event);
        ledger.taskEnd(record, event.run, event.task);
        return;
      case "log":
        relay.relay(record, event.line, event.stream, event);
        return;
    }
  }

  #recordStart(record: WorkerRecord, run: string, task: string, fresh: boolean, entryId: string | undefined): void {
    const key = `${record.id}|${run}`;
    if (this.#served.has(key)) return;
    this.#served.add(key);
    const now = Date.now();
    const enqueuedAt = entryId ? Number(entryId.split("-")[0]) : Number.NaN;
    // A pre-warmed worker's first task is warm: its cold start was paid before the work came.
    const cold = fresh && record.prewarmedFor === undefined;
    const ms = cold ? now - record.startedAt : Number.isFinite(enqueuedAt) ? Math.max(0, now - enqueuedAt) : null;
    this.#context.records
      .recordStartMetric({
        run,
        task,
        worker: record.id,
        config: record.config,
        kind: cold ? "cold" : "warm",
        ...(fresh && !cold ? { prewarmed: true as const } : {}),
        ms,
        bootMs: record.coldStartMs ?? null,
      })
      .catch((error: Error) => this.#context.relay.notice(`cannot store start metric: ${error.message}`));
  }

  #onExit(record: WorkerRecord, code: number | null, signal: string | null): void {
    const { ledger, relay } = this.#context;
    const held = [...record.tasks.values()];
    const expected = record.state === "stopping";
    if (record.readyAt === undefined && !expected) {
      this.#bootFailures += 1;
      this.#spawnAfter = Date.now() + Math.min(30_000, 250 * 2 ** this.#bootFailures);
    } else if (record.readyAt !== undefined) {
      this.#bootFailures = 0;
    }
    if (record.outOfMemory) {
      for (const task of held) {
        void this.#fail(
          record,
          task,
          "oom",
          `${describe(task)} ran out of memory in configuration "${this.config.name}" (heap limit ${this.config.memoryMb} MB); ` +
            `give it a configuration with more memory`,
        ).catch(() => undefined);
      }
    }
    ledger.markExited(record, code, signal);
    for (const key of [...this.#served]) if (key.startsWith(`${record.id}|`)) this.#served.delete(key);
    const why = record.outOfMemory ? ", out of memory" : record.stopReason ? `, ${record.stopReason}` : ", unexpected";
    relay.notice(
      `${record.id} exited (code ${code ?? "-"}, signal ${signal ?? "-"}${why})` +
        (held.length > 0 ? `; its unfinished tasks go back to the queue: ${held.map(describe).join(", ")}` : ""),
    );
  }

  /**
   * Records a task's failure for the runtime and announces it on the run's channel; on the task's
   * last attempt (and always at shutdown, when no worker is left to retry), fails the run in the
   * run store too, so that the client's `run()` rejects with this message.
   */
  async #fail(record: WorkerRecord, task: HeldTask, reason: RunTaskFailure["reason"], message: string): Promise<void> {
    this.#context.relay.notice(message);
    const failure: RunTaskFailure = {
      kind: "task-failed",
      run: task.run,
      task: task.task,
      name: task.name ?? null,
      reason,
      message,
      worker: record.id,
      config: record.config,
      attempt: task.attempt ?? null,
      timeoutMs: task.timeoutMs ?? null,
      memoryMb: this.config.memoryMb,
      ts: Date.now(),
    };
    await this.#context.records.recordTaskFailure(failure);
    if (reason === "gateway-shutdown" || (task.attempt ?? 1) > (task.retries ?? 0)) {
      await failRun(this.#context.store, failure);
    }
  }
}

/** `task WordCount.count (run r1, task n3[2])`. */
export function describe(task: HeldTask): string {
  return `task ${task.name ?? task.task} (run ${task.run}, task ${task.task})`;
}
