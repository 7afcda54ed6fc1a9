/**
 * Pre-warm on a real `dag-gateway` and a real redis-server: a planned run whose second task needs
 * a worker of another configuration (none is up: the first run's stopped after its keep-alive)
 * asks the gateway for it one measured cold start before the plan needs it; the plan counts the
 * gain (`report.plan.prewarm`), the gateway starts the worker early, the task starts warm on it
 * and the report says the worker was pre-warmed and used. Off, the same task waits for a cold
 * start. A pre-warmed worker the run never uses (the run aborted) stops after its keep-alive,
 * and no request is left in Redis.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisHistory, formatRunSummary, getRunStartMetrics, plannedRun, type Planner } from "../../dist/index.js";
import type { CompiledModule } from "../local/compile-for-test.js";
import { compileGatewayTasks, GatewayHarness, waitUntil } from "../gateway/gateway-harness.js";

// A database of its own: the published configurations and the history are this test's alone.
const url = `${inject("redisUrl")}/6`;
const KEEP_ALIVE_MS = 1500;
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness;

/** The first task on `a`, the one after it on `b`. */
const split: Planner = {
  name: "split",
  plan: (input) => plannedRun("split", input, { groups: input.graph.ids.map((_, i) => (input.graph.deps[i]!.length === 0 ? "a" : "b")), colocate: [] }),
};

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  const history = await createRedisHistory(url);
  await history.clear();
  await history.close();
  gw = await GatewayHarness.start(url, {
    configurations: [
      { name: "a", memoryMb: 512, threads: 1, maxWorkers: 1, keepAliveMs: 60_000 },
      { name: "b", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: KEEP_ALIVE_MS },
    ],
  });
});
afterAll(async () => {
  if (gw && gw.child.exitCode === null) {
    gw.child.kill("SIGTERM");
    await gw.exit;
  }
  await gw?.dispose();
  dispose();
});

const liveOf = async (config: string) => (await gw.status()).configurations.find((c) => c.name === config)!.live;

describe("pre-warm (dag-gateway, planned run)", () => {
  it("turns the planned cold start of the second configuration into a warm one, counts the gain in the plan, reports the worker used; off, the start is cold", async () => {
    const handle = mod.handle<number, number>("waitThen");
    const ms = 3000;
    // Off first (it also records the history and a measured cold start of `b`).
    const off = await handle.run(ms, { redis: url, planner: split, report: true, optimizations: { prewarm: false } });
    expect(off.result).toBe(ms * 2);
    const offTask = off.report.tasks.find((t) => t.configuration === "b")!;
    // The gateway's start metrics: how the worker came to run the run's task (a fresh process: cold).
    const startOf = async (runId: string, worker: string) =>
      (await getRunStartMetrics(gw.redis, runId)).find((s) => s.worker === worker && s.kind !== "prewarm");
    expect((await startOf(off.runId, offTask.worker!))?.kind).toBe("cold");
    expect(off.report.plan!.prewarm).toBeUndefined();
    expect(off.report.optimizations?.prewarmed).toBeUndefined();
    await waitUntil("b's worker stopped after its keep-alive", async () => (await liveOf("b")) === 0, 20_000);

    const on = await handle.run(ms, { redis: url, planner: split, report: true });
    expect(on.result).toBe(ms * 2);
    const plan = on.report.plan!;
    expect(plan.prewarm?.requests).toEqual([{ group: "b", atMs: expect.any(Number) }]);
    expect(plan.prewarm!.gainMs).toBeGreaterThan(0);
    expect(plan.predictedMakespanMs).toBeCloseTo(plan.prewarm!.withoutMs - plan.prewarm!.gainMs, 6);
    const onTask = on.report.tasks.find((t) => t.configuration === "b")!;
    expect(await startOf(on.runId, onTask.worker!)).toMatchObject({ kind: "warm", prewarmed: true });
    expect(on.report.optimizations).toMatchObject({ prewarmed: 1, prewarmedUsed: 1 });
    expect(on.report.prewarmedWorkers).toEqual([{ worker: onTask.worker, configuration: "b", used: true }]);
    expect(gw.find(new RegExp(`started ${onTask.worker.replace(/[#@]/g, ".")} .*pre-warmed for run ${on.runId}`))).toBeDefined();
    const summary = formatRunSummary(on.report);
    expect(summary).toMatch(/predicted [\d.]+ ms \(with 1 pre-warmed, −[\d.]+ ms\)/);
    expect(summary).toMatch(/1 worker pre-warmed \(1 used\)/);
    expect(await gw.redis.keys("tl:prewarm:*")).toEqual([]);
    console.log(
      `pre-warm: b's worker started cold off, pre-warmed and warm on; predicted gain ${plan.prewarm!.gainMs.toFixed(0)} ms; makespan off ${off.report.makespanMs} ms, on ${on.report.makespanMs} ms`,
    );
  });

  it("a pre-warmed worker the run never uses (aborted first) stops after its keep-alive; no request is left", async () => {
    const handle = mod.handle<number, number>("waitThen");
    await waitUntil("b's worker stopped after its keep-alive", async () => (await liveOf("b")) === 0, 20_000);
    const abort = new AbortController();
    const running = handle.run(6000, { redis: url, planner: split, report: true, signal: abort.signal });
    const started = await waitUntil("a pre-warmed worker", () => gw.find(/started (b#\S+) .*pre-warmed for run/), 15_000);
    const worker = /started (b#\S+)/.exec(started)![1]!;
    abort.abort();
    await expect(running).rejects.toThrow();
    const stopped = await waitUntil(
      "the unused pre-warmed worker stopped",
      () => gw.find(new RegExp(`stopping ${worker.replace(/[#@]/g, ".")} \\(keep-alive\\)`)),
      20_000,
    );
    expect(stopped).toBeDefined();
    expect(await gw.redis.keys("tl:prewarm:*")).toEqual([]);
  });
});
