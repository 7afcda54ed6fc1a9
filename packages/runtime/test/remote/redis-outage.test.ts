/**
 * Redis outages with real redis-server processes that the tests stop, restart and freeze, and two
 * real `dag-worker` processes: a restart with the AOF mid-run (the run completes), a restart
 * without persistence (TL_RUN_STATE_LOST within seconds, workers live on and serve the next run),
 * Redis gone for longer than `redisOutageMs` (TL_REDIS_UNREACHABLE), and SIGTERM while Redis is
 * down or frozen (the workers stop within their grace time).
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRestartableRedis, type RestartableRedis } from "../../../../test/setup/redis-server.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { startWorkers, stopWorkers, tasksStarted, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const CHAINS = 1_500;
const xs = Array.from({ length: CHAINS }, (_, i) => i);
const expected = xs.reduce((a, x) => a + x + 3, 0);
const GRACE_MS = 4_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the ms it took `child` to exit, or rejects after `withinMs`. */
function exitWithin(child: ChildProcess, withinMs: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running ${withinMs} ms after SIGTERM`)), withinMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

/** Waits until the workers started `tasks` more tasks than `before` (what they had started when it was called). */
async function untilStarted(workers: WorkerProcess[], tasks: number, before = started(workers)): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (started(workers) < before + tasks) {
    if (Date.now() > deadline) throw new Error(`fewer than ${tasks} tasks started: ${workers.map((w) => w.output().slice(-500)).join("\n")}`);
    await sleep(10);
  }
}

const started = (workers: WorkerProcess[]): number => workers.reduce((n, w) => n + tasksStarted(w.output()), 0);

const alive = (w: WorkerProcess): boolean => w.child.exitCode === null && w.child.signalCode === null;

describe("Redis outages", () => {
  const work = createWorkDir();
  let mod: CompiledModule;

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "outage-tasks.ts", name: "outage" }])).get("outage")!;
  });
  afterAll(() => work.dispose());

  describe("with the AOF (appendonly yes)", () => {
    let redis: RestartableRedis;
    let workers: WorkerProcess[] = [];
    beforeAll(async () => {
      redis = await startRestartableRedis(true);
      workers = await startWorkers(redis.url, 2, ["--lease-ms", "1000", "--grace-ms", String(GRACE_MS)]);
    });
    afterAll(async () => {
      await stopWorkers(workers);
      await redis?.dispose();
    });

    it("Redis stopped for 2 s mid-run, then started with its data: the run completes, both workers live on and stop on SIGTERM", async () => {
      const run = mod.handle("chains").run(xs, { redis: redis.url });
      const settled = run.then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      await untilStarted(workers, 300);
      await redis.stop();
      await sleep(2_000);
      await redis.start();
      const outcome = await settled;
      expect(outcome).toEqual({ ok: true, r: expected });
      expect(workers.every(alive)).toBe(true);
      // The outage hit them mid-run: work was handed back, or a loop waited for Redis.
      expect(workers.map((w) => w.output()).join("\n")).toMatch(/handed back for redelivery|Redis unreachable/);
      for (const w of workers) expect(w.output()).not.toMatch(/MaxRetriesPerRequestError.*\n.*at /);
      const exits = workers.map((w) => exitWithin(w.child, GRACE_MS + 3_000));
      for (const w of workers) w.child.kill("SIGTERM");
      for (const ms of await Promise.all(exits)) expect(ms).toBeLessThan(GRACE_MS + 3_000);
      expect(workers.map((w) => w.child.exitCode)).toEqual([0, 0]);
    }, 90_000);
  });

  describe("without persistence", () => {
    let redis: RestartableRedis;
    let workers: WorkerProcess[] = [];
    beforeAll(async () => {
      redis = await startRestartableRedis(false);
      workers = await startWorkers(redis.url, 2, ["--lease-ms", "1000", "--grace-ms", String(GRACE_MS)]);
    });
    afterAll(async () => {
      await stopWorkers(workers);
      await redis?.dispose();
    });

    it("Redis restarted empty mid-run: the run rejects with TL_RUN_STATE_LOST within 20 s; the workers live on and serve the next run", async () => {
      const run = mod.handle("chains").run(xs, { redis: redis.url });
      const caught = run.then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      await untilStarted(workers, 300);
      await redis.stop();
      await sleep(2_000);
      await redis.start();
      const t0 = Date.now();
      const error = await caught;
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(error).toMatchObject({ name: "RunStateLostError", code: "TL_RUN_STATE_LOST", message: expect.stringContaining("Redis lost the run's state") });
      await sleep(1_500);
      expect(workers.every(alive)).toBe(true);
      // The consumer groups are created again: the workers serve a new run on the empty Redis.
      expect(await mod.handle("one").run(41, { redis: redis.url })).toBe(42);
      expect(await mod.handle("chains").run(xs.slice(0, 100), { redis: redis.url })).toBe(xs.slice(0, 100).reduce((a, x) => a + x + 3, 0));
    }, 90_000);

    it("Redis down longer than redisOutageMs: the run rejects with TL_REDIS_UNREACHABLE", async () => {
      const before = started(workers);
      const run = mod.handle("chains").run(xs, { redis: redis.url, redisOutageMs: 3_000 });
      const caught = run.then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      await untilStarted(workers, 100, before);
      await redis.stop();
      const t0 = Date.now();
      const error = await caught;
      await redis.start();
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(error).toMatchObject({ name: "RedisConnectionError", code: "TL_REDIS_UNREACHABLE", message: expect.stringContaining("redisOutageMs") });
      expect(workers.every(alive)).toBe(true);
      // SIGTERM while Redis is down: both stop within their grace time.
      const exits = workers.map((w) => exitWithin(w.child, GRACE_MS + 3_000));
      for (const w of workers) w.child.kill("SIGTERM");
      await Promise.all(exits);
    }, 60_000);

    it("SIGTERM while Redis is frozen (SIGSTOP): the workers stop within their grace time", async () => {
      workers = await startWorkers(redis.url, 2, ["--lease-ms", "1000", "--grace-ms", String(GRACE_MS)]);
      const run = mod
        .handle("chains")
        .run(xs, { redis: redis.url, redisOutageMs: 60_000 })
        .catch((e: unknown) => e);
      await untilStarted(workers, 100);
      redis.pause();
      const exits = workers.map((w) => exitWithin(w.child, GRACE_MS + 3_000));
      for (const w of workers) w.child.kill("SIGTERM");
      await Promise.all(exits);
      redis.resume();
      // The run cannot finish now (no worker): end it.
      await redis.stop();
      await redis.start();
      await run;
    }, 60_000);
  });
});
