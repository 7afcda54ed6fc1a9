/**
 * Pre-warm requests: a planned run asks the gateways for workers of a configuration at a time
 * (the plan's need minus the measured cold start); a gateway serving that configuration takes
 * each due request once (atomically, across gateways) and starts a worker for it.
 */
import type { RedisConnection } from "./redis-connection.js";
import { prewarmKey } from "./redis-keys.js";

/** A worker of `group` wanted `atMs` after the run's submission. */
export interface PrewarmAsk {
  group: string;
  atMs: number;
}

/** Takes (removes and returns) up to 16 due requests; drops requests more than a minute overdue (a client that died). */
const TAKE_DUE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - 60000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 16)
for _, m in ipairs(due) do redis.call('ZREM', KEYS[1], m) end
return due
`;

function membersByGroup(runId: string, asks: readonly PrewarmAsk[], score: (a: PrewarmAsk) => number): Map<string, (string | number)[]> {
  const out = new Map<string, (string | number)[]>();
  asks.forEach((a, n) => {
    let list = out.get(a.group);
    if (!list) out.set(a.group, (list = []));
    list.push(score(a), `${runId}#${n}`);
  });
  return out;
}

/** Writes the pre-warm requests of run `runId`, submitted at `submittedAt` (epoch ms). */
export async function requestPrewarms(conn: RedisConnection, prefix: string, runId: string, submittedAt: number, asks: readonly PrewarmAsk[]): Promise<void> {
  const groups = membersByGroup(runId, asks, (a) => Math.round(submittedAt + a.atMs));
  await Promise.all([...groups].map(([group, args]) => conn.zadd(prewarmKey(prefix, group), ...args)));
}

/** Removes the requests of run `runId` no gateway took (the run ended first); the key goes with its last member. */
export async function cancelPrewarms(conn: RedisConnection, prefix: string, runId: string, asks: readonly PrewarmAsk[]): Promise<void> {
  const groups = membersByGroup(runId, asks, () => 0);
  await Promise.all([...groups].map(([group, args]) => conn.zrem(prewarmKey(prefix, group), ...args.filter((_, i) => i % 2 === 1))));
}

/** The due requests of `group` at `now`, taken by this caller only: the run id of each. */
export async function takeDuePrewarms(conn: RedisConnection, prefix: string, group: string, now: number): Promise<string[]> {
  const due = (await conn.eval(TAKE_DUE, 1, prewarmKey(prefix, group), String(now))) as string[];
  return due.map((m) => m.slice(0, m.lastIndexOf("#")));
}
