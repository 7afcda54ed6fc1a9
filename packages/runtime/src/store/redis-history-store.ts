import { redactRedisUrl } from "./redis-url.js";
import { HistoryError } from "../errors.js";
import type { HistoryStore } from "../history/history-store.js";
import {
  HISTORY_LIMITS,
  type HistoryRun,
  type HistoryRunDetail,
  type HistoryRunSummary,
  type HistorySamples,
  type TaskSample,
  type TransferSample,
  type WorkflowHistory,
} from "../history/history-types.js";
import { HISTORY_RECORD_SCRIPT } from "./lua-scripts.js";
import { connectRedis, type RedisConnection } from "./redis-connection.js";
import { DEFAULT_KEY_PREFIX, historyField, historyIndexKey, historyKeys, historyRecentKey, transferKeys } from "./redis-keys.js";

type ScriptConn = RedisConnection & { tlHistoryRecord(...args: (string | number)[]): Promise<number> };

/**
 * {@link HistoryStore} on Redis, shared by every client of a deployment. A structure's keys share
 * one hash tag (Cluster safe); one Lua call records a run; reading samples takes two round trips.
 */
class RedisHistoryStore implements HistoryStore {
  readonly location: string;
  private readonly conn: ScriptConn;

  constructor(
    conn: RedisConnection,
    private readonly prefix: string,
    where: string,
    private readonly owned: boolean,
  ) {
    conn.defineCommand("tlHistoryRecord", { lua: HISTORY_RECORD_SCRIPT });
    this.conn = conn as ScriptConn;
    this.location = `redis:${where}`;
  }

  async record(run: HistoryRun): Promise<void> {
    const k = historyKeys(this.prefix, run.structure);
    const bySample = new Map<string, string[]>();
    for (const { task, configuration, ...sample } of run.samples) {
      const field = historyField(task, configuration);
      let list = bySample.get(field);
      if (!list) bySample.set(field, (list = []));
      list.push(JSON.stringify(sample));
    }
    const s = [...bySample];
    const l = Object.entries(run.lengths);
    const keys = [k.meta, k.counts, k.runs, k.details, k.detailOrder, k.lengthKeys, ...s.map(([f]) => k.samples(f)), ...l.map(([key]) => k.lengths(key))];
    const L = HISTORY_LIMITS;
    const arg = JSON.stringify({
      w: run.summary.workflow,
      c: run.className,
      at: run.summary.at,
      id: run.summary.runId,
      sum: JSON.stringify(run.summary),
      d: run.detail ? JSON.stringify(run.detail) : false,
      s,
      l,
      cap: { s: L.samplesPerTask, l: L.lengthsPerKey, r: L.runsPerStructure, d: L.detailsPerStructure },
    });
    const t = transferKeys(this.prefix);
    const byTransfer = new Map<string, { configuration: string; kind: string; items: string[] }>();
    for (const { configuration, kind, bytes, ms } of run.transfers) {
      const key = t.samples(configuration, kind);
      let e = byTransfer.get(key);
      if (!e) byTransfer.set(key, (e = { configuration, kind, items: [] }));
      e.items.push(JSON.stringify({ bytes, ms }));
    }
    await this.guard(() =>
      Promise.all([
        this.conn.tlHistoryRecord(keys.length, ...keys, arg),
        this.conn.hset(historyIndexKey(this.prefix), run.structure, JSON.stringify({ workflow: run.summary.workflow, className: run.className })),
        this.conn.zadd(historyRecentKey(this.prefix), "GT", run.summary.at, run.structure),
        ...[...byTransfer].flatMap(([key, e]) => [
          this.conn.sadd(t.configurations, e.configuration),
          this.conn.rpush(key, ...e.items).then(() => this.conn.ltrim(key, -L.transfersPerConfiguration, -1)),
        ]),
      ]),
    );
    await this.forgetBeyondCap();
  }

  /** Forgets the structures whose latest run is the oldest while more than {@link HISTORY_LIMITS}.structures are kept. */
  private async forgetBeyondCap(): Promise<void> {
    const n = await this.guard(() => this.conn.hlen(historyIndexKey(this.prefix)));
    if (n <= HISTORY_LIMITS.structures) return;
    const old = await this.guard(() => this.conn.zrangebyscore(historyRecentKey(this.prefix), "-inf", "+inf", "LIMIT", 0, n - HISTORY_LIMITS.structures));
    for (const s of old) await this.clear(s);
  }

  async samples(structure: string): Promise<HistorySamples | undefined> {
    const k = historyKeys(this.prefix, structure);
    const t = transferKeys(this.prefix);
    return this.guard(async () => {
      const [meta, counts, lengthKeys, configurations] = await Promise.all([
        this.conn.hgetall(k.meta),
        this.conn.hgetall(k.counts),
        this.conn.smembers(k.lengthKeys),
        this.conn.smembers(t.configurations),
      ]);
      if (!meta.workflow) return undefined;
      const fields = Object.keys(counts).sort();
      const kinds = ["fetch", "store"] as const;
      const [sampleLists, lengthLists, transferLists] = await Promise.all([
        Promise.all(fields.map((f) => this.conn.lrange(k.samples(f), 0, -1))),
        Promise.all(lengthKeys.map((key) => this.conn.lrange(k.lengths(key), 0, -1))),
        Promise.all(configurations.flatMap((c) => kinds.map((kind) => this.conn.lrange(t.samples(c, kind), 0, -1)))),
      ]);
      const transfers: Record<string, TransferSample[]> = {};
      configurations.forEach((c, i) => {
        const list = kinds.flatMap((kind, j) =>
          (transferLists[i * kinds.length + j] ?? []).map((x) => ({ kind, ...(JSON.parse(x) as { bytes: number; ms: number }) })),
        );
        if (list.length > 0) transfers[c] = list;
      });
      const lengths: Record<string, number[]> = {};
      lengthKeys.forEach((key, i) => {
        lengths[key] = (lengthLists[i] ?? []).map(Number);
      });
      return {
        structure,
        workflow: meta.workflow,
        runs: Number(meta.runs ?? 0),
        tasks: fields.map((f, i) => {
          const [task, configuration] = f.split("\t") as [string, string];
          return { task, configuration, count: Number(counts[f]), samples: (sampleLists[i] ?? []).map((x) => JSON.parse(x) as TaskSample) };
        }),
        transfers,
        lengths,
      };
    });
  }

  async workflows(): Promise<WorkflowHistory[]> {
    return this.guard(async () => {
      const index = await this.conn.hgetall(historyIndexKey(this.prefix));
      const structures = Object.keys(index);
      const metas = await Promise.all(structures.map((s) => this.conn.hgetall(historyKeys(this.prefix, s).meta)));
      const out: WorkflowHistory[] = [];
      structures.forEach((structure, i) => {
        const m = metas[i]!;
        if (!m.workflow) return;
        out.push({ structure, workflow: m.workflow, className: m.className ?? "", runs: Number(m.runs), firstAt: Number(m.firstAt), lastAt: Number(m.lastAt) });
      });
      return out.sort((a, b) => b.lastAt - a.lastAt || (a.structure < b.structure ? -1 : 1));
    });
  }

  async runs(structure: string, limit: number = HISTORY_LIMITS.runsPerStructure): Promise<HistoryRunSummary[]> {
    const items = await this.guard(() => this.conn.lrange(historyKeys(this.prefix, structure).runs, 0, limit - 1));
    return items.map((x) => JSON.parse(x) as HistoryRunSummary);
  }

  async run(structure: string, runId: string): Promise<HistoryRunDetail | undefined> {
    const text = await this.guard(() => this.conn.hget(historyKeys(this.prefix, structure).details, runId));
    return text ? (JSON.parse(text) as HistoryRunDetail) : undefined;
  }

  async clear(structure?: string): Promise<number> {
    return this.guard(async () => {
      const index = historyIndexKey(this.prefix);
      const structures = structure === undefined ? Object.keys(await this.conn.hgetall(index)) : [structure];
      let n = 0;
      for (const s of structures) {
        const k = historyKeys(this.prefix, s);
        const [counts, lengthKeys, exists] = await Promise.all([this.conn.hkeys(k.counts), this.conn.smembers(k.lengthKeys), this.conn.exists(k.meta)]);
        const keys = [k.meta, k.counts, k.runs, k.details, k.detailOrder, k.lengthKeys, ...counts.map(k.samples), ...lengthKeys.map(k.lengths)];
        // One DEL per key: a structure's keys share a slot, but DEL of many keys is refused across slots on a Cluster.
        await Promise.all([...keys.map((key) => this.conn.del(key)), this.conn.hdel(index, s), this.conn.zrem(historyRecentKey(this.prefix), s)]);
        n += exists;
      }
      if (structure === undefined) {
        const t = transferKeys(this.prefix);
        const configurations = await this.conn.smembers(t.configurations);
        await Promise.all([
          ...configurations.flatMap((c) => [this.conn.del(t.samples(c, "fetch")), this.conn.del(t.samples(c, "store"))]),
          this.conn.del(t.configurations),
        ]);
      }
      return n;
    });
  }

  async close(): Promise<void> {
    if (this.owned) await this.conn.quit().catch(() => this.conn.disconnect());
  }

  private async guard<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (cause) {
      throw new HistoryError(`history ${this.location}: ${(cause as Error).message}`, cause);
    }
  }
}

/** Options of {@link createRedisHistory}. */
export interface RedisHistoryOptions {
  /** Key prefix (the remote runtime's). Default `tl`. */
  prefix?: string;
}

/**
 * Opens the Redis history at `redis` (a URL: a connection of its own, closed by `close()`; or a
 * connection the caller owns).
 * @example
 * ```ts
 * const history = await createRedisHistory("redis://127.0.0.1:6379");
 * ```
 */
export async function createRedisHistory(redis: string | RedisConnection, options: RedisHistoryOptions = {}): Promise<HistoryStore> {
  const prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
  if (typeof redis !== "string") return new RedisHistoryStore(redis, prefix, "(shared connection)", false);
  const conn = await connectRedis(redis);
  return new RedisHistoryStore(conn, prefix, redactRedisUrl(redis), true);
}
