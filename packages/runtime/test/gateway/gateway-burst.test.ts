/**
 * A burst of client runs on a configuration of at most 2 real `dag-worker` processes of 2 threads:
 * never more than 2 workers, none ever holding more tasks than its 2 threads, each task's lines
 * tagged with that task, cold then warm starts measured, and all workers gone after the keep-alive.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { getRunStartMetrics } from "../../dist/store/start-metrics.js";
import { alive, compileGatewayTasks, GatewayHarness, processGroup, waitUntil } from "./gateway-harness.js";

const CLI = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));
const url = `${inject("redisUrl")}/6`;
const harnesses: GatewayHarness[] = [];
let mod: CompiledModule;
let dispose = (): void => {};

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
  dispose();
});

describe("dag-gateway: a burst of work on a configuration with at most 2 workers", () => {
  it("starts at most 2 workers, never over-commits one, tags each line with its task, reuses workers warm, and stops all after the keep-alive", async () => {
    const gw = await GatewayHarness.start(url, {
      configurations: [{ name: "default", memoryMb: 256, threads: 2, maxWorkers: 2, keepAliveMs: 3000 }],
    });
    harnesses.push(gw);
    const xs = Array.from({ length: 12 }, (_, i) => i + 1);
    const runs = [mod.handle("burst").run(xs, { redis: url }), mod.handle("burst").run(xs.slice(0, 6), { redis: url })];

    let maxLive = 0;
    let printed = "";
    let settled = false;
    void Promise.allSettled(runs).then(() => (settled = true));
    while (!settled) {
      const status = await gw.status();
      const live = status.workers.filter((w) => w.state !== "exited");
      maxLive = Math.max(maxLive, live.length);
      if (!printed && live.some((w) => w.state === "busy")) {
        printed = execFileSync(process.execPath, [CLI, "status", "--port", String(gw.port)], { encoding: "utf8" });
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await Promise.all(runs)).toEqual([156, 42]);
    expect(printed).toMatch(/configuration default: 256 MB, 2 thread\(s\), \d\/2 workers/);
    expect(printed).toMatch(/default#\d@\w+\s+\d+\s+(busy|idle)/);

    // A third run while the workers are still warm.
    expect(await mod.handle("burst").run([1], { redis: url })).toBe(2);

    const status = await waitUntil("the ledger to count every task", async () => {
      const s = await gw.status();
      return s.workers.reduce((sum, w) => sum + w.tasksDone, 0) === 13 + 7 + 2 ? s : undefined;
    });
    expect(maxLive).toBeLessThanOrEqual(2);
    expect(status.workers.length).toBeLessThanOrEqual(2);
    expect(status.overCommits).toBe(0);
    for (const worker of status.workers) expect(worker.maxHeld).toBeLessThanOrEqual(worker.concurrency);
    expect(gw.find(/^\[gateway\] default#\d@\w+ ready after \d+ ms$/)).toBeDefined();
    expect(gw.find(/OVER-COMMIT/)).toBeUndefined();

    // Every line a task wrote names the run and the task that wrote it, even with 2 tasks held.
    const lines = gw.lines.map((l) => l.text).filter((t) => / on its way$/.test(t));
    expect(lines.length).toBe(19);
    for (const line of lines) {
      const match = /^\[default#\d@\w+ run=[\w-]+ task=n\d+\[(\d+)\]\] slow (\d+) on its way$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(Number(match![2])).toBe(Number(match![1]) + 1);
    }

    // Each worker's first task was a cold start, every other start of a run on a worker warm.
    const runIds = [...new Set(lines.map((l) => /run=([\w-]+)/.exec(l)![1]!))];
    expect(runIds.length).toBe(3);
    const lastRun = /run=([\w-]+)/.exec(lines.at(-1)!)![1]!;
    const burst = (await Promise.all(runIds.filter((r) => r !== lastRun).map((r) => getRunStartMetrics(gw.redis, r)))).flat();
    expect(burst.filter((s) => s.kind === "cold").length).toBe(status.workers.filter((w) => w.tasksDone > 0).length);
    expect(burst.every((s) => s.config === "default" && typeof s.ms === "number" && s.ms >= 0)).toBe(true);
    expect((await getRunStartMetrics(gw.redis, lastRun)).map((s) => s.kind)).toEqual(["warm"]);

    // Scale to zero: every worker stops after the keep-alive, and nothing of it is left running.
    const done = await waitUntil("all workers to exit", async () => {
      const s = await gw.status();
      return s.workers.every((w) => w.state === "exited") ? s : undefined;
    });
    for (const worker of done.workers) {
      expect(worker).toMatchObject({ stopReason: "keep-alive", exitCode: 0 });
      expect(alive(worker.pid)).toBe(false);
      expect(processGroup(worker.pid)).toEqual([]);
    }
    expect(done.configurations[0]).toMatchObject({ name: "default", live: 0, waiting: 0 });
    gw.child.kill("SIGINT");
    expect(await gw.exit).toBe(0);
  });
});
