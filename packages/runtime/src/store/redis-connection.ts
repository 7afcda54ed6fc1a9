import { Cluster, Redis } from "ioredis";
import { RedisConnectionError } from "../errors.js";

/** An ioredis connection: a standalone server or a cluster. */
export type RedisConnection = Redis | Cluster;

/** Whether `conn` is a Redis Cluster client. */
export function isCluster(conn: RedisConnection): conn is Cluster {
  return conn instanceof Cluster;
}

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** Milliseconds to wait for the first connection before failing. Default 5000. */
  connectTimeoutMs?: number;
  /** Batch commands issued in the same tick into one write (fewer round trips). Default true. */
  autoPipelining?: boolean;
}

/** Validates a Redis URL and returns it parsed; the error names the option and the value. */
export function parseRedisUrl(url: string, option = "redis"): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisConnectionError("TL_REDIS_URL", `${option} must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new RedisConnectionError("TL_REDIS_URL", `${option} must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  }
  return parsed;
}

function standalone(url: string, options: ConnectRedisOptions): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: options.autoPipelining ?? true,
    maxRetriesPerRequest: 3,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: (times) => (times > 20 ? null : Math.min(times * 100, 1000)),
  });
}

async function open(conn: Redis, url: string): Promise<void> {
  try {
    await conn.connect();
  } catch (error) {
    conn.disconnect();
    throw new RedisConnectionError("TL_REDIS_UNREACHABLE", `cannot connect to Redis at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Connects to Redis at `url`, detecting a Redis Cluster (`cluster_enabled:1`) and then connecting
 * as a cluster client. Fails with `TL_REDIS_URL` for a bad URL and `TL_REDIS_UNREACHABLE` when
 * nothing answers.
 * @example
 * ```ts
 * const redis = await connectRedis("redis://127.0.0.1:6400");
 * ```
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<RedisConnection> {
  const parsed = parseRedisUrl(url);
  const probe = standalone(url, options);
  probe.on("error", () => {});
  await open(probe, url);
  const info = await probe.info("cluster");
  if (!/cluster_enabled:1/.test(info)) return probe;
  probe.disconnect();
  const cluster = new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
    lazyConnect: true,
    enableAutoPipelining: options.autoPipelining ?? true,
    redisOptions: {
      username: parsed.username || undefined,
      password: parsed.password || undefined,
      connectTimeout: options.connectTimeoutMs ?? 5000,
    },
  });
  cluster.on("error", () => {});
  try {
    await cluster.connect();
  } catch (error) {
    cluster.disconnect();
    throw new RedisConnectionError("TL_REDIS_UNREACHABLE", `cannot connect to Redis Cluster at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return cluster;
}

/** A second connection like `conn` (for blocking reads and subscriptions); unref'd when `conn` is. */
export async function duplicateConnection(conn: RedisConnection): Promise<RedisConnection> {
  const dup = conn.duplicate() as RedisConnection;
  dup.on("error", () => {});
  if (unrefd.has(conn)) unrefConnection(dup);
  if (dup.status === "wait") await dup.connect();
  return dup;
}

const unrefd = new WeakSet<RedisConnection>();

const unrefStream = (conn: RedisConnection): void => {
  (conn as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
};

/**
 * Lets the process exit while `conn` (a standalone connection) is open and idle: its socket is
 * unref'd now and after every reconnect, and so are connections duplicated from it. Whoever
 * awaits a command on it must keep the process alive by other means (a timer) meanwhile.
 */
export function unrefConnection(conn: RedisConnection): void {
  if (unrefd.has(conn)) return;
  unrefd.add(conn);
  unrefStream(conn);
  conn.on("connect", () => unrefStream(conn));
}
