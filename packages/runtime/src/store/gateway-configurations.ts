/**
 * The worker configurations gateways publish in Redis for clients and planners: one hash
 * (`<prefix>:gateway-configurations`, a field per gateway) whose entries each gateway refreshes
 * while it runs and removes when it stops; an entry not refreshed for {@link STALE_AFTER_MS} is a
 * gateway that died and is ignored (and deleted by the next reader). Beside them, the gateways'
 * running totals of cold and warm start times per configuration.
 */
import type { RedisConnection } from "./redis-connection.js";
import { DEFAULT_KEY_PREFIX, gatewayConfigurationsKey, startStatsKey } from "./redis-keys.js";

/** One configuration as a gateway publishes it. */
export interface PublishedConfiguration {
  name: string;
  memoryMb: number;
  /** CPU quota per worker in cores, when the configuration sets one. */
  cpus?: number;
  /** Whether the quota is enforced (a writable CPU controller); false without `cpus`. */
  cpusEnforced: boolean;
  threads: number;
  maxWorkers: number;
  keepAliveMs: number;
  /** Idle workers now, each as the ms of keep-alive it has left. */
  warmWorkers: number[];
}

/** A gateway's entry. */
export interface PublishedGateway {
  gateway: string;
  /** When it was written (ms since the epoch). */
  at: number;
  configurations: PublishedConfiguration[];
}

/** An entry older than this (ms) belongs to a gateway that stopped refreshing it. */
export const STALE_AFTER_MS = 15_000;

/** Writes (or refreshes) a gateway's entry. */
export async function publishGatewayConfigurations(conn: RedisConnection, entry: PublishedGateway, prefix = DEFAULT_KEY_PREFIX): Promise<void> {
  await conn.hset(gatewayConfigurationsKey(prefix), entry.gateway, JSON.stringify(entry));
}

/** Removes a gateway's entry (when it stops). */
export async function removeGatewayConfigurations(conn: RedisConnection, gateway: string, prefix = DEFAULT_KEY_PREFIX): Promise<void> {
  await conn.hdel(gatewayConfigurationsKey(prefix), gateway);
}

/** Mean start times one configuration's workers took, as the gateways measured them (ms; undefined: none measured). */
export interface StartTotals {
  coldMs?: number;
  warmMs?: number;
}

/** What clients read: the live gateways' entries, and start-time means by configuration. */
export interface GatewayConfigurations {
  gateways: PublishedGateway[];
  starts: Record<string, StartTotals>;
}

/**
 * Reads the live gateways' entries (stale ones are deleted) and the start totals, in one round trip.
 * @example
 * ```ts
 * const { gateways } = await readGatewayConfigurations(conn, "tl");
 * ```
 */
export async function readGatewayConfigurations(conn: RedisConnection, prefix = DEFAULT_KEY_PREFIX, now = Date.now()): Promise<GatewayConfigurations> {
  const [entries, stats] = await Promise.all([conn.hgetall(gatewayConfigurationsKey(prefix)), conn.hgetall(startStatsKey(prefix))]);
  const gateways: PublishedGateway[] = [];
  const stale: string[] = [];
  for (const [field, text] of Object.entries(entries)) {
    try {
      const entry = JSON.parse(text) as PublishedGateway;
      if (now - entry.at > STALE_AFTER_MS) stale.push(field);
      else gateways.push(entry);
    } catch {
      stale.push(field);
    }
  }
  if (stale.length > 0) await conn.hdel(gatewayConfigurationsKey(prefix), ...stale).catch(() => 0);
  gateways.sort((a, b) => (a.gateway < b.gateway ? -1 : a.gateway > b.gateway ? 1 : 0));
  const starts: Record<string, StartTotals> = {};
  for (const [field, value] of Object.entries(stats)) {
    const m = /^(.*):(cold|warm):count$/.exec(field);
    if (!m) continue;
    const count = Number(value);
    const ms = Number(stats[`${m[1]}:${m[2]}:ms`] ?? Number.NaN);
    if (!(count > 0) || !Number.isFinite(ms)) continue;
    const totals = (starts[m[1]!] ??= {});
    if (m[2] === "cold") totals.coldMs = ms / count;
    else totals.warmMs = ms / count;
  }
  return { gateways, starts };
}
