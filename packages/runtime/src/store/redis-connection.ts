import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Cluster, Redis } from "ioredis";
import { RedisAuthError, RedisConnectionError } from "../errors.js";
import { requireWithCodeCache } from "./code-cached-require.js";
import { REDIS_CA_ENV, redactRedisUrl, redisOptionsFromUrl } from "./redis-url.js";

export { parseRedisUrl, redactRedisUrl, redisOptionsFromUrl } from "./redis-url.js";

let ioredisModule: typeof import("ioredis") | undefined;

/** ioredis in one file, written by `npm run build` (scripts/bundle-startup-files.mjs). */
const IOREDIS_BUNDLE = fileURLToPath(new URL("./ioredis.bundle.cjs", import.meta.url));

/**
 * ioredis, loaded on the first connection: a local run never opens one, and importing ioredis
 * costs a fresh process more than the rest of the runtime's import. Its one-file bundle loads in
 * about half the time of its modules, and from its V8 code cache (written by the build too) in
 * about three quarters of that; the modules are the fallback when the bundle is missing.
 */
function ioredis(): typeof import("ioredis") {
  ioredisModule ??= (existsSync(IOREDIS_BUNDLE) ? requireWithCodeCache(IOREDIS_BUNDLE) : createRequire(import.meta.url)("ioredis")) as typeof import("ioredis");
  return ioredisModule;
}

/** An ioredis connection: a standalone server or a cluster. */
export type RedisConnection = Redis | Cluster;

/** Whether `conn` is a Redis Cluster client. */
export function isCluster(conn: RedisConnection): conn is Cluster {
  // ioredis' own flag, not instanceof: a connection may come from another copy of ioredis (the caller's).
  return (conn as { isCluster?: boolean }).isCluster === true;
}

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** Milliseconds to wait for the first connection before failing. Default 5000. */
  connectTimeoutMs?: number;
  /** Batch commands issued in the same tick into one write (fewer round trips). Default true. */
  autoPipelining?: boolean;
}

/** Longest wait between two reconnection attempts (ms): a connection never gives up. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Reconnects forever, 100 ms, 200 ms, ... up to {@link MAX_RECONNECT_DELAY_MS} between attempts. */
const reconnectForever = (times: number): number => Math.min(times * 100, MAX_RECONNECT_DELAY_MS);

/** A replica promoted away from us answers READONLY: reconnect (to the new primary) and resend the command. */
const reconnectOnReadonly = (error: Error): 2 | false => (/^READONLY/.test(error.message) ? 2 : false);

function standalone(url: string, options: ConnectRedisOptions): Redis {
  return new (ioredis().Redis)({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    enableAutoPipelining: options.autoPipelining ?? true,
    // Commands issued while Redis is down reject after a few reconnection attempts (the callers
    // retry or hand their work back); the connection itself reconnects forever.
    maxRetriesPerRequest: 3,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: reconnectForever,
    reconnectOnError: reconnectOnReadonly,
  });
}

const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username|AUTH failed|no password is set/i;

/**
 * The error for a failed first connection to `url`: `TL_REDIS_AUTH` when Redis refused the
 * credentials (or wants some), else `TL_REDIS_UNREACHABLE` with the underlying reason (a TLS
 * failure, a refused connection), the URL always redacted. `seen` is the last `error` event of
 * the connection, which says more than ioredis' `Connection is closed`.
 */
export function connectFailure(url: string, error: unknown, seen: Error | undefined, what = "Redis"): RedisConnectionError {
  const shown = redactRedisUrl(url);
  const reason = redactRedisUrl(seen?.message ?? (error as Error).message);
  if (AUTH_REFUSED.test(reason)) {
    const hint = /NOAUTH/i.test(reason) ? "; put the user and password in the URL: redis://user:password@host:port" : "";
    return new RedisAuthError(`${what} at ${shown} refused the credentials: ${reason}${hint}`, { cause: seen ?? error });
  }
  const hint = /certificate|self.signed|SSL|TLS/i.test(reason) ? ` (a rediss:// server's CA is read from ?ca=<file> or ${REDIS_CA_ENV})` : "";
  return new RedisConnectionError("TL_REDIS_UNREACHABLE", `cannot connect to ${what} at ${shown}: ${reason}${hint}`, { cause: seen ?? error });
}

/** Connects `conn` (created with `lazyConnect`), failing with {@link connectFailure}'s error. */
export async function openConnection(conn: RedisConnection, url: string, what = "Redis"): Promise<void> {
  let seen: Error | undefined;
  const remember = (error: Error): void => {
    seen = error;
  };
  conn.on("error", remember);
  try {
    await conn.connect();
  } catch (error) {
    conn.disconnect();
    throw connectFailure(url, error, seen, what);
  } finally {
    conn.off("error", remember);
  }
}

/**
 * Connects to Redis at `url`, detecting a Redis Cluster (`cluster_enabled:1`) and then connecting
 * as a cluster client. Fails with `TL_REDIS_URL` for a bad URL, `TL_REDIS_AUTH` for refused
 * credentials and `TL_REDIS_UNREACHABLE` when nothing answers.
 * @example
 * ```ts
 * const redis = await connectRedis("redis://127.0.0.1:6400");
 * ```
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<RedisConnection> {
  const { host, port, username, password, tls } = redisOptionsFromUrl(url);
  const probe = standalone(url, options);
  probe.on("error", () => {});
  await openConnection(probe, url);
  const info = await probe.info("cluster");
  if (!/cluster_enabled:1/.test(info)) return probe;
  probe.disconnect();
  const cluster = new (ioredis().Cluster)([{ host: host as string, port: port as number }], {
    lazyConnect: true,
    enableAutoPipelining: options.autoPipelining ?? true,
    clusterRetryStrategy: reconnectForever,
    redisOptions: {
      maxRetriesPerRequest: 3,
      reconnectOnError: reconnectOnReadonly,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls !== undefined ? { tls } : {}),
      connectTimeout: options.connectTimeoutMs ?? 5000,
    },
  });
  cluster.on("error", () => {});
  await openConnection(cluster, url, "Redis Cluster");
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
