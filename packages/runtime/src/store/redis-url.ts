/**
 * Redis URLs: validation, the connection options they stand for (user, password, database, TLS
 * with a CA file), and the one redaction every printed URL goes through, so that no password
 * reaches a log line, an error message or a status output.
 *
 * A URL is `redis://[user[:password]@]host[:port][/db]` or `rediss://...` (TLS). The CA that
 * signs the server's certificate, when it is not one the system trusts, is a PEM file named by
 * the URL's `ca` parameter (`rediss://host:6380?ca=/etc/redis/ca.pem`) or, failing that, by the
 * environment variable `TASKLOOM_REDIS_CA` (which child processes inherit).
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { RedisOptions } from "ioredis";
import { RedisConnectionError } from "../errors.js";

/** Environment variable naming the PEM file of the CA of a `rediss://` server. */
export const REDIS_CA_ENV = "TASKLOOM_REDIS_CA";

/** Environment variable `dag-worker` reads its Redis URL from when `--redis` is absent (kept out of `ps`). */
export const REDIS_URL_ENV = "TASKLOOM_REDIS_URL";

/** `user:password@` in a URL (anywhere in a text), the password being everything up to the `@`. */
const CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@\s]*)@/gi;

/**
 * `url` (or any text holding URLs) with every password replaced by `***`:
 * `redis://user:***@host:port`. A URL without a password is returned as it is.
 * @example
 * ```ts
 * redactRedisUrl("redis://app:s3cret@10.0.0.5:6379"); // "redis://app:***@10.0.0.5:6379"
 * ```
 */
export function redactRedisUrl(url: string): string {
  return url.replace(CREDENTIALS, (_, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** Validates a Redis URL and returns it parsed; the error names the option and the (redacted) value. */
export function parseRedisUrl(url: string, option = "redis"): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== "redis:" && parsed?.protocol !== "rediss:") {
    throw new RedisConnectionError("TL_REDIS_URL", `${option} must be a redis:// or rediss:// URL, got ${JSON.stringify(redactRedisUrl(url))}`);
  }
  return parsed;
}

function decoded(part: string): string | undefined {
  if (part === "") return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function readCa(file: string, url: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new RedisConnectionError("TL_REDIS_URL", `cannot read the CA file ${file} for ${redactRedisUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The ioredis options `url` stands for: host, port, user, password, database and, for
 * `rediss://`, TLS (verifying the server against the CA of `?ca=` or `TASKLOOM_REDIS_CA` when
 * given, else against the system's CAs). Fails with `TL_REDIS_URL`.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = parseRedisUrl(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new RedisConnectionError("TL_REDIS_URL", `the database of ${redactRedisUrl(url)} must be a number, got ${JSON.stringify(db)}`);
  }
  const options: RedisOptions = { host: host || "127.0.0.1", port: Number(parsed.port || 6379) };
  const username = decoded(parsed.username);
  const password = decoded(parsed.password);
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;
  if (db !== "") options.db = Number(db);
  if (parsed.protocol === "rediss:") {
    const caFile = parsed.searchParams.get("ca") ?? process.env[REDIS_CA_ENV];
    options.tls = {
      ...(caFile ? { ca: readCa(caFile, url) } : {}),
      ...(isIP(options.host as string) ? {} : { servername: options.host as string }),
    };
  }
  return options;
}
