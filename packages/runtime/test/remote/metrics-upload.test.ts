/**
 * Metrics upload strategies on real `dag-worker` processes and the real redis-server: whatever the
 * strategy, a worker killed with SIGKILL loses only the task rows it had not written yet (its
 * unflushed buffer), and a worker stopped with SIGTERM writes everything it buffered.
 * Each test has a key prefix of its own (other files' workers do not take its tasks).
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeLocalPools } from "@taskloom/runtime";
import { countMetricsRows } from "../../dist/report/metrics-record.js";
import { connectRedis, type RedisConnection } from "../../dist/store/redis-connection.js";
import { runKeys } from "../../dist/store/redis-keys.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const url = inject("redisUrl");
const work = createWorkDir();
let mod: CompiledModule;
let conn: RedisConnection;
const prefixes: string[] = [];
const N = 40;

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "remote-tasks.ts", name: "remote" }]);
  mod = compiled.get("remote") as CompiledModule;
  conn = await connectRedis(url);
});

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await conn.keys(`${p}:*`);
    for (const k of keys) await conn.del(k);
  }
  expect((await Promise.all(prefixes.map((p) => conn.keys(`${p}:*`)))).flat()).toEqual([]);
  conn.disconnect();
  await closeLocalPools();
  work.dispose();
});

function kill(w: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
    w.child.once("exit", () => resolve());
    w.child.kill(signal);
  });
}

/** Rows and records in a run's metrics list. */
async function metricsOf(prefix: string, runId: string): Promise<{ rows: number; records: number }> {
  const lines = await conn.lrange(runKeys(prefix, runId).metrics, 0, -1);
  return { rows: lines.reduce((n, l) => n + countMetricsRows(l), 0), records: lines.length };
}

/**
 * Runs `wide` (N increments and their sum: N + 1 tasks) on one worker with `--metrics <strategy>`,
 * waits `settleMs` after the run's result, stops the worker with `signal`, and counts the rows written.
 */
async function runThenStop(strategy: string, settleMs: number, signal: NodeJS.Signals): Promise<{ rows: number; records: number; tasks: number }> {
  const prefix = `mu-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const [worker] = await startWorkers(url, 1, ["--prefix", prefix, "--metrics", strategy, "--concurrency", "1"]);
  try {
    const outcome = await runRemoteOutcome(
      mod,
      "wide",
      Array.from({ length: N }, (_, i) => i),
      url,
      { prefix, collectMetrics: false },
    );
    expect(outcome.result).toBe((N * (N + 1)) / 2);
    await new Promise((r) => setTimeout(r, settleMs));
    await kill(worker!, signal);
    // Whatever the worker wrote is there now (SIGKILL: nothing more comes; SIGTERM: it wrote before exiting).
    return { ...(await metricsOf(prefix, outcome.runId)), tasks: N + 1 };
  } finally {
    await stopWorkers([worker!]);
  }
}

describe("metrics upload: a SIGKILLed worker loses at most its unflushed buffer", () => {
  it("per-task: every finished task's row is written at once, one record per task", async () => {
    const m = await runThenStop("per-task", 300, "SIGKILL");
    expect(m.rows).toBe(m.tasks);
    expect(m.records).toBe(m.tasks);
  });

  it("per-batch: every finished batch's rows are written at once, one record per batch", async () => {
    const m = await runThenStop("per-batch", 300, "SIGKILL");
    expect(m.rows).toBe(m.tasks);
    expect(m.records).toBeLessThanOrEqual(m.tasks);
  });

  it("periodic: rows are written every N ms; a kill before the first flush loses them, one after keeps them", async () => {
    const flushed = await runThenStop("periodic:100", 600, "SIGKILL");
    expect(flushed.rows).toBe(flushed.tasks);
    const unflushed = await runThenStop("periodic:600000", 300, "SIGKILL");
    expect(unflushed.rows).toBe(0);
    const terminated = await runThenStop("periodic:600000", 300, "SIGTERM");
    expect(terminated.rows).toBe(terminated.tasks);
  });

  it("buffer: rows are written once N wait; a kill loses fewer than N", async () => {
    const k = 8;
    const m = await runThenStop(`buffer:${k}`, 300, "SIGKILL");
    expect(m.rows).toBeGreaterThan(m.tasks - k);
    expect(m.rows).toBeLessThanOrEqual(m.tasks);
    const never = await runThenStop("buffer:1000", 300, "SIGKILL");
    expect(never.rows).toBe(0);
    const terminated = await runThenStop("buffer:1000", 300, "SIGTERM");
    expect(terminated.rows).toBe(terminated.tasks);
  });

  it("at-exit: rows are written when the worker stops (SIGTERM); a SIGKILL loses them all", async () => {
    const killed = await runThenStop("at-exit", 300, "SIGKILL");
    expect(killed.rows).toBe(0);
    const terminated = await runThenStop("at-exit", 300, "SIGTERM");
    expect(terminated.rows).toBe(terminated.tasks);
  });
});
