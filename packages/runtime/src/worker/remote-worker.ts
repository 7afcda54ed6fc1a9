import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { leasePool, releasePool, type SharedPool } from "../threads/pool-set.js";
import { RedisRunStore } from "../store/redis-run-store.js";
import { RedisOutputStreams } from "../store/redis-output-streams.js";
import { connectRedis, type RedisConnection } from "../store/redis-connection.js";
import { RedisOutageLog } from "./redis-outage-log.js";
import { beforeDeadline } from "../store/redis-errors.js";
import type { RunStore } from "../store/run-store.js";
import { RedisTaskQueue } from "../store/redis-task-queue.js";
import type { Delivery, TaskQueue } from "../store/task-queue.js";
import { checkInteger } from "@taskloom/sdk/internal";
import { ChainRunner } from "./chain-runner.js";
import { WorkerRunCache } from "./worker-run-cache.js";
import { gatewayTaskObserver, type TaskObserver } from "./gateway-observer.js";
import { GatewayStore } from "../store/gateway-store.js";
import { MetricsSink, type MetricsUpload } from "./metrics-sink.js";
import { getHeapStatistics } from "node:v8";
import { RunEventPublisher } from "./run-event-publisher.js";
import { signingKeyFromEnv } from "../protocol/bundle-signature.js";

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
  /** Hand-offs (chains) held at once. Default 256 (tiny tasks run in batches); a worker gateway sets it to `concurrency`. */
  maxHeld?: number;
  /** When task metrics are uploaded (see {@link MetricsUpload}). Default `per-batch`. */
  metrics?: MetricsUpload;
  /** The largest value this worker holds (bytes): a run's own `maxValueBytes` applies when lower. Default 256 MiB. */
  maxValueBytes?: number;
  /**
   * Runs only signed code: a run whose bundle or manifest is unsigned, or signed with another key,
   * fails with `TL_BUNDLE_SIGNATURE` (logged; the worker goes on). Default: `TASKLOOM_SIGNING_KEY`, else none.
   */
  signingKey?: Uint8Array;
}

/** Hand-offs held at once by default: enough to batch tiny tasks; a gateway sets its own. */
const DEFAULT_MAX_HELD = 256;

/** One line per event on stdout, written in one write per tick (tasks log two lines each). */
function bufferedStdout(): (line: string) => void {
  let lines = "";
  return (line) => {
    if (lines === "") {
      setImmediate(() => {
        // One timestamp per flush: lines of one tick share it.
        const at = `${new Date().toISOString()} `;
        process.stdout.write(at + lines.slice(0, -1).replaceAll("\n", `\n${at}`) + "\n");
        lines = "";
      });
    }
    lines += `${line}\n`;
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  return checkInteger(name, value, 1) ?? fallback;
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
  private stopping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cache: WorkerRunCache;
  private readonly observer: TaskObserver | undefined;
  private readonly runner: ChainRunner;
  private readonly metrics: MetricsSink;
  private readonly outage: RedisOutageLog;
  /** Whether this worker runs only signed bundles (it has a signing key). */
  readonly signed: boolean;

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
    this.slots = positive("maxHeld", options.maxHeld, DEFAULT_MAX_HELD);
    this.observer = gatewayTaskObserver(new GatewayStore(conn, options.prefix));
    this.leaseMs = positive("leaseMs", options.leaseMs, 5000);
    const signingKey = options.signingKey ? Buffer.from(options.signingKey) : signingKeyFromEnv();
    this.signed = signingKey !== undefined;
    this.cache = new WorkerRunCache(store, {
      ...(options.maxValueBytes !== undefined ? { maxValueBytes: positive("maxValueBytes", options.maxValueBytes, 1) } : {}),
      ...(signingKey ? { signingKey } : {}),
    });
    this.outage = new RedisOutageLog(`worker ${this.id}`, log);
    // After a reconnection, the runs whose state Redis lost (restarted empty) are dropped.
    let reconnecting = false;
    conn.on("close", () => (reconnecting = true));
    conn.on("ready", () => {
      if (reconnecting) void this.dropLostRuns();
      reconnecting = false;
    });
    this.metrics = new MetricsSink(store, options.metrics ?? { strategy: "per-batch" }, log);
    this.runner = new ChainRunner({
      metrics: this.metrics,
      memoryMb: options.memoryMb ?? Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      store,
      queue,
      pool,
      runs: this.cache,
      group: this.group,
      workerId: this.id,
      log,
      events: new RunEventPublisher(store, this.id, log),
      streams: new RedisOutputStreams(conn, options.prefix),
      observer: this.observer,
      released: () => {
        this.wake?.();
        this.wake = undefined;
      },
    });
  }

  /** Connects, starts the threads and begins serving. */
  static async start(redisUrl: string, options: RemoteWorkerOptions = {}): Promise<RemoteWorker> {
    const threads = positive("concurrency", options.concurrency, 2);
    const memoryMb = options.memoryMb === undefined ? undefined : positive("memoryMb", options.memoryMb, 0);
    const conn = await connectRedis(redisUrl);
    const prefix = options.prefix ?? "tl";
    const log = options.log ?? bufferedStdout();
    const worker = new RemoteWorker(conn, new RedisRunStore(conn, prefix), new RedisTaskQueue(conn, prefix), leasePool(threads, memoryMb), log, options);
    worker.loopDone = worker.loop();
    worker.timer = setInterval(() => void worker.heartbeat(), Math.max(50, Math.floor(worker.leaseMs / 3)));
    log(`worker ${worker.id} serving group ${worker.group} with ${threads} threads${worker.signed ? ", signed bundles only" : ""}`);
    worker.observer?.ready();
    return worker;
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.queue.touch(this.group, this.id, this.runner.heldDeliveries());
      this.outage.ok();
      this.cache.sweep(60_000);
    } catch (error) {
      this.outage.failed("cannot renew its leases", error as Error);
    }
  }

  private async dropLostRuns(): Promise<void> {
    try {
      for (const id of await this.cache.dropLost()) {
        this.log(`run ${id}: its state is gone from Redis (restarted without persistence, or flushed); its work here is dropped`);
      }
      this.outage.ok();
    } catch (error) {
      this.outage.failed("cannot check its runs", error as Error);
    }
  }

  private async loop(): Promise<void> {
    let lastClaim = 0;
    while (!this.stopping) {
      const free = this.slots - this.runner.working;
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
        this.outage.ok();
      } catch (error) {
        if (this.stopping) break;
        this.outage.failed("cannot read its queue", error as Error);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (deliveries.length > 0) {
        await this.runner.accept(deliveries).catch((error: Error) => this.log(`worker ${this.id}: cannot take hand-offs: ${error.stack ?? error.message}`));
      }
    }
  }

  /** Work currently held (chains running). */
  get busy(): number {
    return this.runner.held;
  }

  /**
   * Stops taking work, lets running chains finish (up to `graceMs`), then disconnects. Work not
   * finished in time stays unacknowledged and is taken over by another worker after the lease.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.runner.drainPreloads();
    this.wake?.();
    const deadline = Date.now() + graceMs;
    // Whatever state Redis is in (down, or stuck without answering), each wait ends by the deadline.
    await beforeDeadline(this.loopDone, deadline);
    while (this.runner.held > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(this.timer);
    await beforeDeadline(this.metrics.close(), Math.max(deadline, Date.now() + 1000));
    await beforeDeadline(Promise.all([this.queue.close(), this.store.close()]), Math.max(deadline, Date.now() + 200));
    this.conn.disconnect();
    await this.runner.close();
    await releasePool(this.pool, true);
    this.log(`worker ${this.id} stopped${this.runner.held > 0 ? ` (${this.runner.held} hand-offs left for others)` : ""}`);
    await new Promise((r) => setImmediate(r)); // lets the buffered log lines out
  }
}
