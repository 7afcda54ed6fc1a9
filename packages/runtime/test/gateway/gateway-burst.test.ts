import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { getRunStartMetrics } from "../../dist/gateway/start-metrics.js";
import { alive, GatewayHarness, waitUntil } from "./gateway-harness.js";

const CLI = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));
const harnesses: GatewayHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
});

describe("dag-gateway: a burst of work on a configuration with at most 2 workers", () => {
  it("starts at most 2 workers, never over-commits one, reuses them warm, and stops all after the keep-alive", async () => {
    const gw = await GatewayHarness.start(inject("redisUrl"), "gwburst", {
      configurations: [{ name: "burst", memoryMb: 128, threads: 1, maxWorkers: 2, keepAliveMs: 1500 }],
    });
    harnesses.push(gw);
    const tasks = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, { kind: "sleep" as const, ms: 150 }]));
    await gw.enqueue("burst", "b1", tasks);

    let maxLive = 0;
    let sawStatusCli = false;
    await waitUntil("all 10 tasks of b1", async () => {
      const status = await gw.status();
      const live = status.workers.filter((w) => w.state !== "exited");
      maxLive = Math.max(maxLive, live.length);
      if (!sawStatusCli && live.some((w) => w.state === "busy")) {
        const printed = execFileSync(process.execPath, [CLI, "status", "--port", String(gw.port)], { encoding: "utf8" });
        expect(printed).toMatch(/configuration burst: 128 MB, 1 thread\(s\), \d\/2 workers/);
        expect(printed).toMatch(/burst#\d@\w+\s+\d+\s+(busy|idle)/);
        sawStatusCli = true;
      }
      return Object.keys(await gw.results("b1")).length === 10;
    });
    expect(sawStatusCli).toBe(true);

    // A second run while the workers are still warm.
    await gw.enqueue("burst", "b2", { u0: { kind: "sleep", ms: 10 } });
    await waitUntil("b2", async () => Object.keys(await gw.results("b2")).length === 1);

    // Results are written just before a task's end event: wait for the ledger to count all 11.
    const status = await waitUntil("11 tasks in the ledger", async () => {
      const s = await gw.status();
      return s.workers.reduce((sum, w) => sum + w.tasksDone, 0) === 11 ? s : undefined;
    });
    expect(maxLive).toBeLessThanOrEqual(2);
    expect(status.workers.length).toBeLessThanOrEqual(2);
    expect(status.overCommits).toBe(0);
    for (const worker of status.workers) expect(worker.maxHeld).toBeLessThanOrEqual(1);
    expect(gw.find(/^\[gateway\] burst#\d@\w+ ready after \d+ ms$/)).toBeDefined();
    expect(gw.find(/^\[burst#\d@\w+ run=b1 task=t3\] working on t3 for 150 ms$/)).toBeDefined();

    const starts = await getRunStartMetrics(gw.redis, "b1");
    expect(starts.map((s) => s.kind)).toContain("cold");
    expect(starts.every((s) => s.config === "burst" && typeof s.ms === "number" && s.ms >= 0)).toBe(true);
    const warm = await getRunStartMetrics(gw.redis, "b2");
    expect(warm).toEqual([expect.objectContaining({ kind: "warm", config: "burst", task: "u0" })]);

    // Scale to zero: every worker stops after the keep-alive, and its process is gone.
    const done = await waitUntil("all workers to exit", async () => {
      const s = await gw.status();
      return s.workers.every((w) => w.state === "exited") ? s : undefined;
    });
    for (const worker of done.workers) {
      expect(worker.stopReason).toBe("keep-alive");
      expect(worker.exitCode).toBe(0);
      expect(alive(worker.pid)).toBe(false);
    }
    expect(done.configurations[0]).toMatchObject({ name: "burst", live: 0, waiting: 0 });
  });
});
