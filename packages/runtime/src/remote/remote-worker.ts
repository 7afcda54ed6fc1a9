import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { leasePool, releasePool, type SharedPool } from "../local/pool-set.js";
import { RedisRunStore } from "../storage/redis-run-store.js";
import { connectRedis, type RedisConnection } from "../storage/redis-connection.js";
import type { RunStore } from "../storage/run-store.js";
import { RedisTaskQueue } from "../transport/redis-task-queue.js";
import type { Delivery, TaskQueue } from "../transport/task-queue.js";
import { RemoteRuntimeError } from "./remote-errors.js";
import { runChain } from "./run-chain.js";
import { WorkerRunCache } from "./worker-run-cache.js";
import { gatewayTaskObserver, type TaskObserver } from "../gateway/worker-events.js";

/** Options of {@link RemoteWorker}. */
export interface RemoteWorkerOptions {
  /** Worker group (resource configuration) whose queue this worker serves. Default `"default"`. */
  group?: string;
  /** Piscina threads. Default 2. */
  concurrency?: number;
  /** Heap limit of each thread in MiB. Default: Node's. */
  memoryMb?: number;
  /** A hand-off held this long without a heartbeat is taken over by another worker. Default 5000 ms. */
  leaseMs?: number;
  /** Key prefix. Default `tl`. */
  prefix?: string;
  /** Log sink; default: one line per event on stdout. */
  log?: (line: string) => void;
  /** Worker id in logs and metrics. Default `<host>-<pid>-<random>`. */
  id?: string;
  /** Hand-offs (chains) held at once. Default: twice `concurrency`; a worker gateway sets it to `concurrency`. */
  maxHeld?: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RemoteRuntimeError("TL_INVALID_OPTION", `${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * A `dag-worker`: serves its group's hand-off queue, runs tasks on its own piscina threads,
 * updates dependency counters atomically, continues with one ready dependent itself and hands
 * the others on. No central scheduler: workers only talk to Redis.
 *
 * @example
 * ```ts
 * const worker = await RemoteWorker.start("redis://127.0.0.1:6400", { concurrency: 2 });
 * process.on("SIGTERM", () => void worker.stop());
 * ```
 */
export class RemoteWorker {
  readonly id: string;
  readonly group: string;
  private readonly slots: number;
  private readonly leaseMs: number;
  private readonly held = new Map<string, Delivery>();
  private stopping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private tasksStarted = 0;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cache: WorkerRunCache;
  private readonly observer: TaskObserver | undefined;

  private constructor(
    private readonly conn: RedisConnection,
    private readonly store: RunStore,
    private readonly queue: TaskQueue,
    private readonly pool: SharedPool,
    private readonly log: (line: string) => void,
    options: RemoteWorkerOptions,
  ) {
    this.group = options.group ?? "default";
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;
    this.slots = positive("maxHeld", options.maxHeld, pool.threads * 2);
    this.observer = gatewayTaskObserver(conn);
    this.leaseMs = positive("leaseMs", options.leaseMs, 5000);
    this.cache = new WorkerRunCache(store);
  }

  /** Connects, starts the threads and begins serving. */
  static async start(redisUrl: string, options: RemoteWorkerOptions = {}): Promise<RemoteWorker> {
    const threads = positive("concurrency", options.concurrency, 2);
    const memoryMb = options.memoryMb === undefined ? undefined : positive("memoryMb", options.memoryMb, 0);
    const conn = await connectRedis(redisUrl);
    const prefix = options.prefix ?? "tl";
    const log = options.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`));
    const worker = new RemoteWorker(conn, new RedisRunStore(conn, prefix), new RedisTaskQueue(conn, prefix), leasePool(threads, memoryMb), log, options);
    worker.loopDone = worker.loop();
    worker.timer = setInterval(() => void worker.heartbeat(), Math.max(50, Math.floor(worker.leaseMs / 3)));
    log(`worker ${worker.id} serving group ${worker.group} with ${threads} threads`);
    worker.observer?.ready();
    return worker;
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.queue.touch(this.group, this.id, [...this.held.keys()]);
      this.cache.sweep(60_000);
    } catch (error) {
      this.log(`worker ${this.id} heartbeat failed: ${(error as Error).message}`);
    }
  }

  private async loop(): Promise<void> {
    let lastClaim = 0;
    while (!this.stopping) {
      const free = this.slots - this.held.size;
      if (free <= 0) {
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      let deliveries: Delivery[] = [];
      try {
        if (Date.now() - lastClaim > this.leaseMs / 2) {
          lastClaim = Date.now();
          deliveries = await this.queue.claimStale(this.group, this.id, this.leaseMs, free);
          for (const d of deliveries) this.log(`run ${d.runId} task ${d.instanceId} reclaimed after a lease of ${this.leaseMs} ms`);
        }
        if (deliveries.length === 0) deliveries = await this.queue.receive(this.group, this.id, free, 200);
      } catch (error) {
        if (this.stopping) break;
        this.log(`worker ${this.id} cannot read its queue: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const d of deliveries) this.handle(d);
    }
  }

  private handle(d: Delivery): void {
    this.held.set(d.id, d);
    const ctx = {
      workerId: this.id, group: this.group, store: this.store, queue: this.queue, pool: this.pool, runs: this.cache,
      log: this.log, cold: () => this.tasksStarted++ === 0, observer: this.observer?.forHandoff(d.id),
    };
    runChain(ctx, d.runId, d.instanceId)
      .then(
        () => this.queue.ack(this.group, [d.id]),
        async (error: Error) => {
          // An internal error must not leave the client waiting: record it as the run's error.
          this.log(`run ${d.runId} task ${d.instanceId}: worker error ${error.stack ?? error.message}`);
          await this.store.fail(d.runId, {
            instanceId: d.instanceId, task: "(dag-worker)", name: error.name, message: error.message,
            stack: error.stack ?? error.message, worker: this.id, code: "TL_WORKER_INTERNAL",
          });
          await this.queue.ack(this.group, [d.id]);
        },
      )
      .catch((error: Error) => this.log(`run ${d.runId} ack failed: ${error.message}`))
      .finally(() => {
        this.held.delete(d.id);
        this.wake?.();
        this.wake = undefined;
      });
  }

  /** Work currently held (chains running). */
  get busy(): number {
    return this.held.size;
  }

  /**
   * Stops taking work, lets running chains finish (up to `graceMs`), then disconnects. Work not
   * finished in time stays unacknowledged and is taken over by another worker after the lease.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake?.();
    const deadline = Date.now() + graceMs;
    await this.loopDone;
    while (this.held.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(this.timer);
    await this.queue.close();
    await this.store.close();
    this.conn.disconnect();
    await releasePool(this.pool, true);
    this.log(`worker ${this.id} stopped${this.held.size > 0 ? ` (${this.held.size} hand-offs left for others)` : ""}`);
  }
}
