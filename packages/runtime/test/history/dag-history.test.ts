/**
 * `dag-history` end to end: the real bin (node), a real SQLite history file and the real
 * redis-server of the global setup (a key prefix of its own), holding the records of real runs.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeLocalPools, createRedisHistory, createSqliteHistory, historyRunOf, type HistoryStore, type RunReport } from "@taskloom/runtime";
import { connectRedis } from "../../dist/store/redis-connection.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";

const BIN = join(import.meta.dirname, "../../bin/dag-history.js");
const url = inject("redisUrl");
const PREFIX = `dhist-${process.pid}`;
const work = createWorkDir();
let mod: CompiledModule;
const reports: Record<string, RunReport[]> = { fanout: [], chain: [] };

function cli(args: string[], cwd = work.dir): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("exit", (code) => resolve({ code, out, err }));
  });
}

async function fill(history: HistoryStore): Promise<void> {
  for (const list of Object.values(reports)) for (const report of list) await history.record(historyRunOf(report, { className: "Local" }));
  await history.close();
}

async function redisKeys(): Promise<string[]> {
  const conn = await connectRedis(url);
  try {
    return await conn.keys(`${PREFIX}:*`);
  } finally {
    conn.disconnect();
  }
}

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "../local/fixtures"), entry: "local-tasks.ts", name: "local" }]);
  mod = compiled.get("local") as CompiledModule;
  for (let i = 0; i < 2; i++) reports.fanout!.push((await mod.handle<number[], number[]>("fanout").run([1, 2, 3, 4 + i], { report: true })).report);
  reports.chain!.push((await mod.handle<number, number>("chain").run(3, { report: true })).report);
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

const where: [string, () => Promise<string[]>, () => Promise<HistoryStore>][] = [
  ["sqlite", async () => ["--file", join(work.dir, "h.sqlite")], () => createSqliteHistory(join(work.dir, "h.sqlite"))],
  ["redis", async () => ["--redis", url, "--prefix", PREFIX], () => createRedisHistory(url, { prefix: PREFIX })],
];

for (const [name, flags, open] of where) {
  describe(`dag-history on ${name}`, () => {
    it("lists, shows and clears the runs it holds", async () => {
      await fill(await open());
      const f = await flags();
      const fanout = reports.fanout![0]!;
      const chain = reports.chain![0]!;

      const list = await cli(["list", ...f]);
      expect(list.err).toBe("");
      expect(list.code).toBe(0);
      expect(list.out).toContain("2 workflow structure(s)");
      expect(list.out).toMatch(new RegExp(`${fanout.structure}  Local\\.fanout  2 run\\(s\\)`));
      expect(list.out).toMatch(new RegExp(`${chain.structure}  Local\\.chain  1 run\\(s\\)`));
      const json = JSON.parse((await cli(["list", ...f, "--json"])).out) as { structure: string; runs: number }[];
      expect(json.map((w) => [w.structure, w.runs]).sort()).toEqual(
        [
          [chain.structure, 1],
          [fanout.structure, 2],
        ].sort(),
      );

      const show = await cli(["show", "fanout", ...f]);
      expect(show.code).toBe(0);
      expect(show.out).toContain(`Local.fanout  structure ${fanout.structure}`);
      expect(show.out).toContain("2 run(s) recorded");
      // One line per (task, configuration) with kept/recorded sample counts, and the latest runs newest first.
      const taskLines = show.out.split("\n").filter((l) => /^ {2}\S+#Local\.\w+ \[local\]/.test(l));
      expect(taskLines.length).toBeGreaterThan(0);
      expect(show.out.indexOf(reports.fanout![1]!.runId)).toBeLessThan(show.out.indexOf(fanout.runId));
      expect(show.out).toContain("latest runs (2):");
      const byPrefix = await cli(["show", fanout.structure.slice(0, 6), ...f, "--json"]);
      const shown = JSON.parse(byPrefix.out) as { structure: string; runs: unknown[]; samples: { tasks: { count: number }[] } };
      expect(shown.structure).toBe(fanout.structure);
      expect(shown.runs).toHaveLength(2);
      expect(shown.samples.tasks.reduce((n, t) => n + t.count, 0)).toBe(
        reports.fanout!.reduce((n, r) => n + r.tasks.filter((t) => t.status === "finished").length, 0),
      );

      const run = await cli(["show", "Local.fanout", "--run", fanout.runId, ...f]);
      expect(run.code).toBe(0);
      expect(run.out).toContain(fanout.runId);
      expect(run.out).toContain(`report: ${fanout.counts.tasks} task(s)`);

      const missingRun = await cli(["show", "fanout", "--run", "no-such-run", ...f]);
      expect(missingRun.code).toBe(1);
      expect(missingRun.err).toContain('keeps no run "no-such-run" of Local.fanout');
      expect(missingRun.err).toContain(fanout.runId);
      expect(missingRun.err).toContain("TL_HISTORY");
      const unknown = await cli(["show", "nope", ...f]);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('has no workflow or structure "nope"; it has: ');
      expect(unknown.err).toContain(`Local.chain (${chain.structure})`);

      const cleared = await cli(["clear", "chain", ...f]);
      expect(cleared.code).toBe(0);
      expect(cleared.out).toContain(`cleared Local.chain (${chain.structure}, 1 run(s))`);
      expect((await cli(["list", ...f])).out).toContain("1 workflow structure(s)");
      expect((await cli(["show", "chain", ...f])).code).toBe(1);
      const all = await cli(["clear", "--all", ...f]);
      expect(all.code).toBe(0);
      expect(all.out).toContain("1 workflow structure(s)");
      expect((await cli(["list", ...f])).out).toMatch(/: empty\n$/);
      if (name === "redis") expect(await redisKeys()).toEqual([]);
    });
  });
}

describe("dag-history errors", () => {
  it("exits 2 with the usage on a bad command line", async () => {
    for (const args of [[], ["bogus"], ["show"], ["clear"], ["clear", "x", "--all"], ["list", "extra"], ["list", "--run", "r"], ["list", "--nope"]]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toContain("usage: dag-history");
    }
    const both = await cli(["list", "--redis", url, "--file", "x.sqlite"]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("give --redis or --file, not both");
  });

  it("names a missing history file and does not create it; names an unreachable Redis", async () => {
    const missing = await cli(["list"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no history file ${join(work.dir, ".taskloom/history.sqlite")}`);
    expect(missing.err).toContain("--redis <url>");
    const file = join(work.dir, "typo.sqlite");
    const typo = await cli(["clear", "--all", "--file", file]);
    expect(typo.code).toBe(1);
    expect(typo.err).toContain(`no history file ${file} (TL_HISTORY)`);
    expect(existsSync(file)).toBe(false);
    const down = await cli(["list", "--redis", "redis://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.err).toContain("cannot connect to Redis at redis://127.0.0.1:1");
    expect(down.err).toContain("TL_REDIS_UNREACHABLE");
  });

  it("opens the default file .taskloom/history.sqlite of the working directory", async () => {
    await fill(await createSqliteHistory(join(work.dir, ".taskloom/history.sqlite")));
    const r = await cli(["list"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`history sqlite:${join(work.dir, ".taskloom/history.sqlite")}: 2 workflow structure(s)`);
    expect((await cli(["clear", "--all"])).out).toContain("2 workflow structure(s)");
  });
});
