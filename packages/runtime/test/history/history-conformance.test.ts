/**
 * One conformance suite for the history contract, run against SQLite (a real file) and Redis (the
 * real redis-server of the global setup, a key prefix per test).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { HISTORY_LIMITS, createRedisHistory, createSqliteHistory, type HistoryRun, type HistoryStore, type TaskSample } from "../../dist/index.js";
import Database from "better-sqlite3";
import { connectRedis } from "../../dist/store/redis-connection.js";

const dir = mkdtempSync(join(tmpdir(), "tl-history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Backend {
  /** Opens a store on the same data (a second client of the same file or Redis). */
  open(): Promise<HistoryStore>;
  /** Keys or rows left behind (after clear). */
  leftovers(): Promise<number>;
  /** Everything stored: rows of every table, or keys plus the entries of every key. */
  size(): Promise<number>;
}

/** Entries of one Redis key (list, hash, set or sorted set). */
async function entries(conn: Awaited<ReturnType<typeof connectRedis>>, key: string): Promise<number> {
  const type = await conn.type(key);
  if (type === "list") return conn.llen(key);
  if (type === "hash") return conn.hlen(key);
  if (type === "set") return conn.scard(key);
  if (type === "zset") return conn.zcard(key);
  throw new Error(`unexpected ${type} key ${key}`);
}

const backends: [string, () => Promise<Backend>][] = [
  [
    "sqlite",
    async () => {
      const file = join(dir, `${randomUUID()}.sqlite`);
      return {
        open: () => createSqliteHistory(file),
        leftovers: async () => {
          const store = await createSqliteHistory(file);
          const n = (await store.workflows()).length;
          await store.close();
          return n;
        },
        size: async () => {
          const db = new Database(file, { readonly: true });
          const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
          const n = tables.reduce((sum, t) => sum + (db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number), 0);
          db.close();
          return n;
        },
      };
    },
  ],
  [
    "redis",
    async () => {
      const prefix = `tlh-${randomUUID().slice(0, 8)}`;
      return {
        open: () => createRedisHistory(inject("redisUrl"), { prefix }),
        leftovers: async () => {
          const conn = await connectRedis(inject("redisUrl"));
          const keys = await conn.keys(`${prefix}:*`);
          conn.disconnect();
          return keys.length;
        },
        size: async () => {
          const conn = await connectRedis(inject("redisUrl"));
          const keys = await conn.keys(`${prefix}:*`);
          let n = keys.length;
          for (const key of keys) n += await entries(conn, key);
          conn.disconnect();
          return n;
        },
      };
    },
  ],
];

function sample(at: number, inputBytes: number, executionMs: number): TaskSample {
  return {
    at,
    inputBytes,
    outputBytes: inputBytes / 2,
    executionMs,
    queueWaitMs: 1,
    fetchMs: 0.5,
    fetchBytes: inputBytes,
    storeMs: 0.2,
    storeBytes: 10,
    updateMs: 0.3,
    cold: false,
    cpu: 0.9,
  };
}

function run(structure: string, at: number, extra: Partial<HistoryRun> = {}): HistoryRun {
  const runId = `run-${at}`;
  return {
    structure,
    className: "Wf",
    summary: { runId, at, workflow: "wf", executor: "remote", planner: "wukong", status: "succeeded", makespanMs: 100 + at, gbSeconds: 0.5, tasks: 3 },
    samples: [
      { task: "a.ts#Wf.a", configuration: "small", ...sample(at, 100, 5) },
      { task: "a.ts#Wf.a", configuration: "small", ...sample(at, 200, 9) },
      { task: "a.ts#Wf.b", configuration: "large", ...sample(at, 50, 2) },
    ],
    transfers: [
      { configuration: "small", kind: "fetch", bytes: 1000, ms: 0.4 },
      { configuration: "small", kind: "store", bytes: 500, ms: 0.2 },
    ],
    lengths: { "n2.items": 4 },
    detail: {
      summary: { runId, at, workflow: "wf", executor: "remote", planner: "wukong", status: "succeeded", makespanMs: 100, gbSeconds: 0.5, tasks: 3 },
      truncated: false,
      report: {
        workflow: "wf",
        executor: "remote",
        status: "succeeded",
        concurrency: 1,
        startedAt: at,
        finishedAt: at + 100,
        makespanMs: 100,
        tasksPerSecond: 30,
        counts: { tasks: 0, finished: 0, failed: 0, retries: 0, batches: 0, workers: 0 },
        tasks: [],
      } as never,
    },
    ...extra,
  };
}

for (const [name, make] of backends) {
  describe(`history store: ${name}`, () => {
    it("records runs and returns their samples per task and configuration", async () => {
      const b = await make();
      const store = await b.open();
      expect(await store.samples("s1")).toBeUndefined();
      await store.record(run("s1", 1000));
      await store.record(run("s1", 2000));
      const s = await store.samples("s1");
      expect(s?.workflow).toBe("wf");
      expect(s?.runs).toBe(2);
      const a = s?.tasks.find((t) => t.task === "a.ts#Wf.a" && t.configuration === "small");
      expect(a?.count).toBe(4);
      expect(a?.samples.map((x) => x.inputBytes)).toEqual([100, 200, 100, 200]);
      expect(a?.samples[0]).toEqual(sample(1000, 100, 5));
      expect(s?.tasks.find((t) => t.task === "a.ts#Wf.b")?.configuration).toBe("large");
      expect(s?.transfers.small?.filter((t) => t.kind === "fetch")).toEqual([
        { kind: "fetch", bytes: 1000, ms: 0.4 },
        { kind: "fetch", bytes: 1000, ms: 0.4 },
      ]);
      expect(s?.lengths["n2.items"]).toEqual([4, 4]);
      const runs = await store.runs("s1");
      expect(runs.map((r) => r.runId)).toEqual(["run-2000", "run-1000"]);
      expect((await store.run("s1", "run-1000"))?.summary.runId).toBe("run-1000");
      await store.clear();
      await store.close();
    });

    it("keeps every list at its cap, the latest entries", async () => {
      const b = await make();
      const store = await b.open();
      const many = HISTORY_LIMITS.runsPerStructure + 2;
      for (let i = 1; i <= many; i++) {
        const samples = Array.from({ length: HISTORY_LIMITS.samplesPerRun }, (_, k) => ({ task: "t", configuration: "c", ...sample(i, k, k) }));
        await store.record(run("s2", i, { samples, lengths: { k: i } }));
      }
      const s = await store.samples("s2");
      const t = s?.tasks.find((x) => x.task === "t");
      expect(t?.count).toBe(many * HISTORY_LIMITS.samplesPerRun);
      expect(t?.samples).toHaveLength(HISTORY_LIMITS.samplesPerTask);
      expect(t?.samples.at(-1)?.at).toBe(many);
      expect(t?.samples[0]?.at).toBe(many - HISTORY_LIMITS.samplesPerTask / HISTORY_LIMITS.samplesPerRun + 1);
      expect(s?.lengths.k).toEqual(Array.from({ length: HISTORY_LIMITS.lengthsPerKey }, (_, i) => many - HISTORY_LIMITS.lengthsPerKey + 1 + i));
      expect(s?.transfers.small?.filter((x) => x.kind === "fetch")).toHaveLength(many);
      const runs = await store.runs("s2");
      expect(runs).toHaveLength(HISTORY_LIMITS.runsPerStructure);
      expect(runs[0]?.runId).toBe(`run-${many}`);
      expect(await store.runs("s2", 3)).toHaveLength(3);
      expect(await store.run("s2", `run-${many}`)).toBeDefined();
      expect(await store.run("s2", `run-${many - HISTORY_LIMITS.detailsPerStructure + 1}`)).toBeDefined();
      expect(await store.run("s2", `run-${many - HISTORY_LIMITS.detailsPerStructure}`)).toBeUndefined();
      await store.clear();
      await store.close();
    });

    it("caps transfer samples per configuration and kind, shared by every structure", async () => {
      const b = await make();
      const store = await b.open();
      const transfers = Array.from({ length: 150 }, (_, i) => ({ configuration: "small", kind: "fetch" as const, bytes: i, ms: 1 }));
      await store.record(run("s3", 1, { transfers }));
      await store.record(run("s4", 2, { transfers }));
      const fetches = (await store.samples("s3"))?.transfers.small ?? [];
      expect(fetches).toHaveLength(HISTORY_LIMITS.transfersPerConfiguration);
      expect(fetches.at(-1)?.bytes).toBe(149);
      expect((await store.samples("s4"))?.transfers.small).toEqual(fetches);
      await store.clear();
      await store.close();
    });

    it("lists workflows most recent first and clears one structure or all", async () => {
      const b = await make();
      const store = await b.open();
      await store.record(run("old", 10));
      await store.record(run("new", 20));
      await store.record(run("old", 5));
      const list = await store.workflows();
      expect(list.map((w) => [w.structure, w.runs, w.firstAt, w.lastAt])).toEqual([
        ["new", 1, 20, 20],
        ["old", 2, 5, 10],
      ]);
      expect(list[0]?.className).toBe("Wf");
      expect(await store.clear("old")).toBe(1);
      expect(await store.samples("old")).toBeUndefined();
      expect(await store.runs("old")).toEqual([]);
      expect((await store.samples("new"))?.runs).toBe(1);
      expect(await store.clear()).toBe(1);
      expect(await store.workflows()).toEqual([]);
      await store.close();
      expect(await b.leftovers()).toBe(0);
    });

    it("forgets the structures whose latest run is the oldest beyond the cap", async () => {
      const b = await make();
      const store = await b.open();
      const cap = HISTORY_LIMITS.structures;
      const bare = { detail: undefined, transfers: [] };
      for (let i = 0; i < cap; i++) await store.record(run(`cap${i}`, 1000 + i, bare));
      expect(await store.workflows()).toHaveLength(cap);
      // cap0 runs again: now the most recent, so cap1 and cap2 are the ones to go when two more come.
      await store.record(run("cap0", 1_000_000, bare));
      await store.record(run("new1", 2_000_000, bare));
      await store.record(run("new2", 3_000_000, bare));
      const list = await store.workflows();
      expect(list).toHaveLength(cap);
      expect(list.slice(0, 3).map((w) => w.structure)).toEqual(["new2", "new1", "cap0"]);
      expect(list.at(-1)?.structure).toBe("cap3");
      expect(await store.samples("cap1")).toBeUndefined();
      expect(await store.samples("cap2")).toBeUndefined();
      expect(await store.runs("cap2")).toEqual([]);
      expect((await store.samples("cap3"))?.runs).toBe(1);
      expect((await store.samples("cap0"))?.runs).toBe(2);
      await store.clear();
      await store.close();
      expect(await b.leftovers()).toBe(0);
    });

    it("stays the same size however many more runs it records (nothing grows without bound)", async () => {
      const b = await make();
      const store = await b.open();
      let at = 0;
      const recordRuns = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          at++;
          const samples = Array.from({ length: HISTORY_LIMITS.samplesPerRun }, (_, k) => ({
            task: `t${k % 3}`,
            configuration: k % 2 ? "a" : "b",
            ...sample(at, k, k),
          }));
          const transfers = Array.from({ length: 20 }, (_, k) => ({
            configuration: k % 2 ? "a" : "b",
            kind: k % 4 < 2 ? ("fetch" as const) : ("store" as const),
            bytes: k,
            ms: 1,
          }));
          // Two structures, each run with a new id, detail and fan-out length.
          await store.record(run(`grow${at % 2}`, at, { samples, transfers, lengths: { "n1.items": at, "n2.items": at } }));
        }
      };
      const enough = 2 * Math.max(HISTORY_LIMITS.runsPerStructure, Math.ceil(HISTORY_LIMITS.transfersPerConfiguration / 5));
      await recordRuns(enough);
      const size = await b.size();
      await recordRuns(enough);
      expect(await b.size()).toBe(size);
      expect((await store.samples("grow0"))?.runs).toBe(enough);
      await store.clear();
      await store.close();
      expect(await b.size()).toBe(0);
    });

    it("is shared: a second client sees what the first recorded", async () => {
      const b = await make();
      const one = await b.open();
      const two = await b.open();
      await one.record(run("shared", 1));
      await two.record(run("shared", 2));
      expect((await one.samples("shared"))?.runs).toBe(2);
      expect((await two.runs("shared")).map((r) => r.runId)).toEqual(["run-2", "run-1"]);
      await one.clear();
      await one.close();
      await two.close();
    });
  });
}

describe("history store errors", () => {
  it("names the file it cannot open", async () => {
    const notDir = join(dir, "plain-file");
    writeFileSync(notDir, "");
    const file = join(notDir, "history.sqlite");
    await expect(createSqliteHistory(file)).rejects.toMatchObject({ code: "TL_HISTORY", message: expect.stringContaining(file) });
  });
});
