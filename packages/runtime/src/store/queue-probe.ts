import type { RedisConnection } from "./redis-connection.js";

/** What a configuration's queue holds right now. */
export interface QueueDepth {
  /** Entries no worker has read yet. */
  waiting: number;
  /** Entries read by a consumer that is not a live worker of this gateway: they wait for a claim. */
  orphaned: number;
  /** Entries each live worker holds (delivered, not yet acknowledged), by consumer name. */
  held: Map<string, number>;
}

function field(info: unknown[], name: string): unknown {
  const at = info.indexOf(name);
  return at >= 0 ? info[at + 1] : undefined;
}

/**
 * Probes a configuration's Redis stream: undelivered entries (the consumer groups' `lag`, or the
 * stream length while no group exists) and entries pending on consumers that are not alive.
 * @param liveConsumers - consumer names of this configuration's live workers (their ledger ids).
 */
export async function probeQueue(redis: RedisConnection, queueKey: string, liveConsumers: ReadonlySet<string>): Promise<QueueDepth> {
  let groups: unknown[][];
  try {
    groups = (await redis.xinfo("GROUPS", queueKey)) as unknown[][];
  } catch (error) {
    if (/no such key/i.test((error as Error).message)) return { waiting: 0, orphaned: 0, held: new Map() };
    throw error;
  }
  if (groups.length === 0) return { waiting: await redis.xlen(queueKey), orphaned: 0, held: new Map() };
  let waiting = 0;
  let orphaned = 0;
  const held = new Map<string, number>();
  for (const info of groups) {
    const lag = field(info, "lag");
    const pending = Number(field(info, "pending") ?? 0);
    // Without a lag (entries deleted ahead of the group), acknowledged entries are deleted: length - pending.
    waiting = Math.max(waiting, typeof lag === "number" ? lag : Math.max(0, (await redis.xlen(queueKey)) - pending));
    if (pending === 0) continue;
    const summary = (await redis.xpending(queueKey, String(field(info, "name")))) as [number, string, string, [string, string][] | null];
    for (const [consumer, count] of summary[3] ?? []) {
      if (!liveConsumers.has(consumer)) orphaned += Number(count);
      else held.set(consumer, (held.get(consumer) ?? 0) + Number(count));
    }
  }
  return { waiting, orphaned, held };
}
