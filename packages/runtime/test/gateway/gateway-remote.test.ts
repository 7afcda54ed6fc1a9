/**
 * The gateway with the real remote runtime: its default worker entry (RemoteWorker, as run by
 * dag-worker) and real clients calling `run(input, { redis })` on a workflow compiled by the
 * real compiler. Redis database 5 keeps these runs apart from other tests' workers.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { alive, GatewayHarness, waitUntil } from "./gateway-harness.js";

const url = `${inject("redisUrl")}/5`;
const work = createWorkDir();
const harnesses: GatewayHarness[] = [];
let mod: CompiledModule;

beforeAll(async () => {
  const dir = fileURLToPath(new URL("./fixtures/workflows/", import.meta.url));
  mod = (await compileForTest(work.dir, [{ dir, entry: "gateway-tasks.ts", name: "gateway" }])).get("gateway")!;
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
  work.dispose();
});

const CONFIG = {
  keyPrefix: "tl",
  configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: 1500 }],
};

describe("dag-gateway with the remote runtime's workers", () => {
  it("serves client runs on demand, relays the tasks' lines, and scales back to zero", async () => {
    const gw = await GatewayHarness.start(url, "tl", CONFIG, null);
    harnesses.push(gw);
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(await mod.handle("burst").run(xs, { redis: url })).toBe(72);

    const line = gw.find(/slow 3 on its way/);
    expect(line).toMatch(/^\[default#\d@\w+( run=[\w-]+ task=\S+| tasks=\S+)?\] slow 3 on its way$/);
    expect(gw.find(/^\[default#\d@\w+ run=[\w-]+ task=\S+\] task started$/)).toBeDefined();
    const status = await gw.status();
    expect(status.workers.length).toBeGreaterThanOrEqual(1);
    expect(status.workers.length).toBeLessThanOrEqual(2);
    expect(status.workers.reduce((sum, w) => sum + w.tasksDone, 0)).toBeGreaterThanOrEqual(9);

    const done = await waitUntil("all workers to exit", async () => {
      const s = await gw.status();
      return s.workers.every((w) => w.state === "exited") ? s : undefined;
    });
    for (const worker of done.workers) {
      expect(worker).toMatchObject({ stopReason: "keep-alive", exitCode: 0 });
      expect(alive(worker.pid)).toBe(false);
    }
    gw.child.kill("SIGINT");
    expect(await gw.exit).toBe(0);
  });

  it("when the gateway stops mid-run, the client's run() rejects with a clear error and no worker is left", async () => {
    const gw = await GatewayHarness.start(url, "tl", CONFIG, null);
    harnesses.push(gw);
    const run = mod.handle("long").run(60_000, { redis: url });
    run.catch(() => undefined);
    const busy = await waitUntil("a busy worker", async () => (await gw.status()).workers.find((w) => w.state === "busy"), 20_000);
    await waitUntil("the task's line", () => gw.find(/\] hanging for 60000 ms$/));

    gw.child.kill("SIGTERM");
    await expect(run).rejects.toMatchObject({
      code: "TL_GATEWAY_SHUTDOWN",
      message: expect.stringMatching(/: the worker gateway stopped \(SIGTERM\) while task \S+ \(run [\w-]+, task n\d+\) ran on worker default#\d@\w+; the task did not finish/),
    });
    expect(await gw.exit).toBe(0);
    expect(alive(busy.pid)).toBe(false);
  });
});
