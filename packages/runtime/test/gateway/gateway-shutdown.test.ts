/**
 * Gateway shutdown mid-run, with real `dag-worker` processes running compiled workflows: one worker
 * waits in a long task, the other is stuck in an endless one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { alive, compileGatewayTasks, GatewayHarness, processGroup, waitUntil } from "./gateway-harness.js";

const url = `${inject("redisUrl")}/9`;
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

const CONFIG = { configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: 10_000 }] };

async function busyWorkers(gw: GatewayHarness, count: number): Promise<number[]> {
  const status = await waitUntil(
    `${count} busy workers`,
    async () => {
      const s = await gw.status();
      return s.workers.filter((w) => w.state === "busy").length === count ? s : undefined;
    },
    20_000,
  );
  return status.workers.map((w) => w.pid);
}

const SHUTDOWN = (task: string): RegExp =>
  new RegExp(
    `^the worker gateway stopped \\(SIGTERM\\) while task ${task} \\(run [\\w-]+, task n\\d+\\) ran on worker default#\\d@\\w+; the task did not finish$`,
  );

describe("dag-gateway: shutdown mid-run", () => {
  it("on SIGTERM stops every worker, leaves no process running, and the clients' run() reject with a clear error", async () => {
    const gw = await GatewayHarness.start(url, CONFIG);
    harnesses.push(gw);
    const long = mod.handle("long").run(60_000, { redis: url });
    const endless = mod.handle("endlessRun").run("beta", { redis: url });
    long.catch(() => undefined);
    endless.catch(() => undefined);
    const pids = await busyWorkers(gw, 2);
    await waitUntil("the tasks' lines", () => gw.find(/\] hanging for 60000 ms$/) && gw.find(/\] spinning beta line 1$/));

    gw.child.kill("SIGTERM");
    await expect(long).rejects.toMatchObject({ code: "TL_GATEWAY_SHUTDOWN", message: expect.stringMatching(SHUTDOWN("Gw\\.hang")) });
    await expect(endless).rejects.toMatchObject({ code: "TL_GATEWAY_SHUTDOWN", message: expect.stringMatching(SHUTDOWN("Gw\\.endless")) });
    expect(await gw.exit).toBe(0);
    expect(gw.find(/^\[gateway\] stopped; no worker left$/)).toBeDefined();
    for (const pid of pids) {
      expect(alive(pid)).toBe(false);
      expect(processGroup(pid)).toEqual([]);
    }
  });

  it("when the gateway itself is killed (SIGKILL), its workers notice and exit, even one stuck in a task", async () => {
    const gw = await GatewayHarness.start(url, CONFIG);
    harnesses.push(gw);
    const client = new AbortController();
    const endless = mod.handle("endlessRun").run("gamma", { redis: url, signal: client.signal });
    endless.catch(() => undefined);
    const [pid] = await busyWorkers(gw, 1);
    gw.child.kill("SIGKILL");
    await gw.exit;
    await waitUntil("the orphaned worker to exit", () => processGroup(pid!).length === 0, 5_000);
    // With no gateway left to fail it, the run is the client's to give up.
    client.abort();
    await expect(endless).rejects.toMatchObject({ code: "TL_RUN_ABORTED" });
  });
});
