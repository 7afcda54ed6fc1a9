/**
 * SIGKILL chaos (issue #10): four real `dag-worker` processes serve a 3,000-task run while a
 * random one is SIGKILLed every 0.5 s and replaced by a fresh one. The run must end with the
 * direct call's result, leave no run key in Redis and no worker process behind.
 */
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { leftoverRunKeys, startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const PREFIX = "chaos";
const GROUP = "chaos";
const WORKERS = 4;
const KILL_EVERY_MS = 500;
/** Kills at most: enough chaos, and a bound on the test's time on a loaded machine. */
const MAX_KILLS = 40;

const alive = (w: WorkerProcess): boolean => w.child.exitCode === null && w.child.signalCode === null;

describe("SIGKILL chaos: a random worker of four killed every 0.5 s", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let redis: Redis;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "remote-tasks.ts", name: "remote" }])).get("remote")!;
    redis = new Redis(url);
  });
  afterAll(async () => {
    await stopWorkers(started);
    redis?.disconnect();
    work.dispose();
  });

  it("a 3,000-task run completes with the direct call's result, leaving no run key and no process", async () => {
    // napTree: 1,501 napInc (20 ms each) and 1,500 adds of a tree reduction: 3,001 task instances.
    const xs = Array.from({ length: 1501 }, (_, i) => i);
    const expected = xs.reduce((s, x) => s + x + 1, 0);
    const args = ["--prefix", PREFIX, "--group", GROUP, "--lease-ms", "1000"];
    let pool = await startWorkers(url, WORKERS, args);
    started.push(...pool);
    const run = runRemoteOutcome(mod, "napTree", xs, url, { prefix: PREFIX, plan: { defaultGroup: GROUP } }, { timeoutMs: 120_000 });
    let ended = false;
    const settled = run.then(
      (o) => ({ ok: true as const, result: o.result }),
      (e: unknown) => ({ ok: false as const, error: e as Error }),
    );
    void settled.then(() => (ended = true));
    const victims: number[] = [];
    const replacements: Promise<void>[] = [];
    while (!ended) {
      // Every 0.5 s while the run lasts (up to MAX_KILLS), a random serving worker dies.
      await Promise.race([settled, new Promise((r) => setTimeout(r, KILL_EVERY_MS))]);
      if (ended || pool.length === 0 || victims.length >= MAX_KILLS) continue;
      const pick = Math.floor(Math.random() * pool.length);
      const victim = pool[pick]!;
      victim.child.kill("SIGKILL");
      victims.push(started.indexOf(victim));
      pool = pool.filter((w) => w !== victim);
      // A replacement keeps four workers serving; it starts while the kills go on.
      replacements.push(
        startWorkers(url, 1, args).then(([fresh]) => {
          started.push(fresh!);
          pool.push(fresh!);
        }),
      );
    }
    await Promise.all(replacements);
    const outcome = await settled;
    if (!outcome.ok) throw new Error(`the run failed after killing workers ${victims.join(", ")}: ${outcome.error.stack}`);
    console.log(`SIGKILL chaos: ${victims.length} workers killed during the run`);
    expect(outcome.result).toBe(expected);
    // Enough kills to mean something: the run lasted several kill periods.
    expect(victims.length).toBeGreaterThanOrEqual(5);
    expect(await leftoverRunKeys(redis, PREFIX)).toEqual([]);
    for (const w of pool) expect(alive(w)).toBe(true);
    await stopWorkers(started);
    expect(started.filter(alive)).toEqual([]);
  }, 180_000);
});
