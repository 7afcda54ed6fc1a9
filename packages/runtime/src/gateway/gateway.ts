import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { RedisRunStore } from "../store/redis-run-store.js";
import { connectRedis, redactRedisUrl, type RedisConnection } from "../store/redis-connection.js";
import { GatewayStore } from "../store/gateway-store.js";
import { publishGatewayConfigurations, removeGatewayConfigurations, type PublishedConfiguration } from "../store/gateway-configurations.js";
import { hostname } from "node:os";
import { beforeDeadline } from "../store/redis-errors.js";
import type { GatewayConfig } from "./gateway-config.js";
import { findCpuController, type CpuController } from "./cpu-quota.js";
import { LogRelay } from "./log-relay.js";
import { startStatusServer } from "./status-server.js";
import { WorkerLedger, type WorkerSnapshot } from "./worker-ledger.js";
import { WorkerPool } from "./worker-pool.js";
import { defaultWorkerScript } from "./worker-process.js";
import { GatewayError } from "./gateway-error.js";

/** How often a gateway refreshes its published configurations (warm workers change), in ms. */
export const PUBLISH_EVERY_MS = 1000;

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Redis the workers and clients use, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  config: GatewayConfig;
  /** Worker entry script; defaults to this package's `dag-worker`. */
  workerScript?: string;
  /**
   * The bundle signing key the workers it starts verify runs with (see `dag-worker
   * --signing-key-file`): given to each worker in its environment (`TASKLOOM_SIGNING_KEY`), never on
   * its command line or in a log. Default: none (the workers inherit the gateway's own
   * `TASKLOOM_SIGNING_KEY`, if set). UTF-8 text (a key file's contents).
   */
  signingKey?: string | Uint8Array;
  /** Where relayed lines go; defaults to the process's stdout. */
  write?: (line: string) => void;
}

/** What `GET /status` and `dag-gateway status` return. */
export interface GatewayStatus {
  startedAt: string;
  stopping: boolean;
  /** Task starts beyond a worker's concurrency (0 unless a worker misbehaves). */
  overCommits: number;
  configurations: {
    name: string;
    memoryMb: number;
    /** The CPU quota per worker, when the configuration sets `cpus`: in force or not, and how. */
    cpus?: { cores: number; enforced: boolean; detail: string };
    threads: number;
    maxWorkers: number;
    keepAliveMs: number;
    live: number;
    waiting: number;
    orphaned: number;
  }[];
  workers: WorkerSnapshot[];
}

/**
 * A worker gateway: one {@link WorkerPool} per resource configuration, a shared ledger, log relay
 * and status endpoint. Create it with {@link createGateway} (which connects to Redis first, a
 * standalone server or a Cluster); {@link Gateway.stop} stops every worker.
 */
export class Gateway {
  readonly ledger = new WorkerLedger();
  readonly pools: WorkerPool[];
  /** Port of the status endpoint once started. */
  port = 0;
  readonly #options: GatewayOptions;
  readonly #redis: RedisConnection;
  readonly #relay: LogRelay;
  readonly #startedAt = Date.now();
  #server: Server | undefined;
  #loop: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #lastError = "";
  readonly #onExit = (): void => this.killAll();
  /** This gateway's field in the published configurations. */
  readonly id: string;
  #publishedAt = 0;

  /** @param redis - an open connection (see {@link connectRedis}); the gateway closes it when it stops. */
  constructor(options: GatewayOptions, redis: RedisConnection) {
    this.#options = options;
    this.#redis = redis;
    const records = new GatewayStore(redis, options.config.keyPrefix);
    const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
    this.#relay = new LogRelay({ write, store: records });
    this.#redis.on("error", (error: Error) => this.#report("redis", error));
    const tag = randomBytes(2).toString("hex");
    this.id = `${hostname()}:${process.pid}:${tag}`;
    let controller: CpuController | string | undefined;
    const context = {
      cpuController: () => (controller ??= findCpuController()),
      settings: options.config,
      ledger: this.ledger,
      relay: this.#relay,
      records,
      redisUrl: options.redisUrl,
      signingKey: signingKeyText(options.signingKey),
      store: new RedisRunStore(this.#redis, options.config.keyPrefix),
      workerScript: options.workerScript ?? defaultWorkerScript(),
      tag,
    };
    this.pools = options.config.configurations.map((config) => new WorkerPool(config, context));
  }

  /** Opens the status endpoint and starts supervising. */
  async start(): Promise<void> {
    const { port, server } = await startStatusServer(this.#options.config.statusPort, () => this.status());
    this.port = port;
    this.#server = server;
    process.on("exit", this.#onExit);
    this.#relay.notice(
      `listening on http://127.0.0.1:${port}/status; configurations: ` +
        this.pools
          .map(
            (p) =>
              `${p.config.name} (${p.config.memoryMb} MB x${p.config.threads}, max ${p.config.maxWorkers}${p.cpuQuota ? `, ${p.cpuQuota.cpus} cpus ${p.cpuQuota.enforced ? "enforced" : "NOT enforced"}` : ""})`,
          )
          .join(", "),
    );
    for (const p of this.pools)
      if (p.cpuQuota && !p.cpuQuota.enforced) this.#relay.notice(`configuration ${p.config.name}: cpus ${p.cpuQuota.cpus} ${p.cpuQuota.state.detail}`);
    await this.#publish(Date.now());
    this.#loop = this.#run();
  }

  /** The configurations as clients and planners read them (with the warm workers of each, now). */
  publishedConfigurations(now = Date.now()): PublishedConfiguration[] {
    return this.pools.map((p) => ({
      name: p.config.name,
      memoryMb: p.config.memoryMb,
      ...(p.config.cpus !== undefined ? { cpus: p.config.cpus } : {}),
      cpusEnforced: p.cpuQuota?.enforced ?? false,
      threads: p.config.threads,
      maxWorkers: p.config.maxWorkers,
      keepAliveMs: p.config.keepAliveMs,
      warmWorkers: p.warmWorkers(now),
    }));
  }

  /** Writes this gateway's entry in Redis (at start, then every {@link PUBLISH_EVERY_MS}); a failure is reported, not thrown. */
  async #publish(now: number): Promise<void> {
    this.#publishedAt = now;
    const entry = { gateway: this.id, at: now, configurations: this.publishedConfigurations(now) };
    await publishGatewayConfigurations(this.#redis, entry, this.#options.config.keyPrefix).catch((error: Error) =>
      this.#report("publishing configurations", error),
    );
  }

  /** The ledger and the configurations' queues, as served on `GET /status`. */
  status(): GatewayStatus {
    return {
      startedAt: new Date(this.#startedAt).toISOString(),
      stopping: this.#stopping !== undefined,
      overCommits: this.ledger.overCommits,
      configurations: this.pools.map((p) => ({
        name: p.config.name,
        memoryMb: p.config.memoryMb,
        ...(p.cpuQuota ? { cpus: { cores: p.cpuQuota.cpus, enforced: p.cpuQuota.enforced, detail: p.cpuQuota.state.detail } } : {}),
        threads: p.config.threads,
        maxWorkers: p.config.maxWorkers,
        keepAliveMs: p.config.keepAliveMs,
        live: this.ledger.live(p.config.name).length,
        waiting: p.depth.waiting,
        orphaned: p.depth.orphaned,
      })),
      workers: this.ledger.snapshot(),
    };
  }

  /**
   * Stops supervising, records the tasks still running as failed (`gateway-shutdown`), stops every
   * worker (SIGTERM, SIGKILL after `stopGraceMs`) and resolves when none is left.
   */
  stop(why = "stopped"): Promise<void> {
    this.#stopping ??= (async () => {
      this.#relay.notice(`stopping (${why}): ${this.ledger.live().length} worker(s) to stop`);
      // Every wait on Redis is bounded (it may be down, or stuck): the gateway stops within its grace.
      const grace = this.#options.config.stopGraceMs;
      await beforeDeadline(this.#loop ?? Promise.resolve(), Date.now() + grace);
      await Promise.all(this.pools.map((pool) => pool.shutdown(why, grace)));
      await beforeDeadline(
        removeGatewayConfigurations(this.#redis, this.id, this.#options.config.keyPrefix).catch(() => undefined),
        Date.now() + 500,
      );
      this.#server?.close();
      await beforeDeadline(this.#redis.quit(), Date.now() + 500);
      this.#redis.disconnect();
      process.off("exit", this.#onExit);
      this.#relay.notice("stopped; no worker left");
    })();
    return this.#stopping;
  }

  /** Kills every worker at once, synchronously: the last resort on the gateway's own exit. */
  killAll(): void {
    for (const pool of this.pools) pool.killAll();
  }

  async #run(): Promise<void> {
    const pollMs = this.#options.config.pollMs;
    while (this.#stopping === undefined) {
      const began = Date.now();
      await Promise.all(this.pools.map((pool) => pool.tick(began).catch((error: Error) => this.#report(`configuration ${pool.config.name}`, error))));
      if (began - this.#publishedAt >= PUBLISH_EVERY_MS) await this.#publish(began);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, pollMs - (Date.now() - began))));
    }
  }

  #report(where: string, error: Error): void {
    const text = redactRedisUrl(`${where}: ${error.message}`);
    if (text !== this.#lastError) this.#relay.notice(text);
    this.#lastError = text;
  }
}

/** The signing key as the text workers read from `TASKLOOM_SIGNING_KEY`; throws when it is empty or not UTF-8. */
function signingKeyText(key: string | Uint8Array | undefined): string | undefined {
  if (key === undefined) return undefined;
  let text: string;
  try {
    text = typeof key === "string" ? key : new TextDecoder("utf-8", { fatal: true }).decode(key);
  } catch {
    throw new GatewayError("TL_GATEWAY_CONFIG", "options.signingKey must be UTF-8 text (workers read it from TASKLOOM_SIGNING_KEY)");
  }
  if (text === "") throw new GatewayError("TL_GATEWAY_CONFIG", "options.signingKey must not be empty");
  return text;
}

/** Connects to Redis (failing with `TL_REDIS_URL` / `TL_REDIS_UNREACHABLE`), creates a gateway and starts it. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  signingKeyText(options.signingKey); // before connecting: a bad key leaves nothing open
  const redis = await connectRedis(options.redisUrl);
  const gateway = new Gateway(options, redis);
  try {
    await gateway.start();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return gateway;
}
