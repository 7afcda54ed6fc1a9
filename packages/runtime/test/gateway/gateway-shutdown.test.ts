import { afterAll, describe, expect, inject, it } from "vitest";
import { subscribeRunLogs, type RunLogMessage } from "../../dist/gateway/run-log-channel.js";
import { getGatewayTaskFailure } from "../../dist/gateway/task-failure-record.js";
import { alive, GatewayHarness, waitUntil } from "./gateway-harness.js";

const harnesses: GatewayHarness[] = [];
const unsubscribes: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(unsubscribes.map((u) => u()));
  await Promise.all(harnesses.map((h) => h.dispose()));
});

const CONFIG = { configurations: [{ name: "pool", memoryMb: 128, threads: 1, maxWorkers: 2, keepAliveMs: 10_000 }] };

async function busyWorkers(gw: GatewayHarness, count: number): Promise<number[]> {
  const status = await waitUntil(`${count} busy workers`, async () => {
    const s = await gw.status();
    return s.workers.filter((w) => w.state === "busy").length === count ? s : undefined;
  });
  return status.workers.map((w) => w.pid);
}

describe("dag-gateway: shutdown mid-run", () => {
  it("on SIGTERM stops every worker, leaves nothing running, and fails the run's tasks with a clear error", async () => {
    const gw = await GatewayHarness.start(inject("redisUrl"), "gwstop", CONFIG);
    harnesses.push(gw);
    const messages: RunLogMessage[] = [];
    unsubscribes.push(await subscribeRunLogs(gw.redisUrl, "d1", (m) => messages.push(m)));
    // One worker waits in a long task, the other is stuck in an endless one: both must go.
    await gw.enqueue("pool", "d1", { slow: { kind: "sleep", ms: 60_000 }, stuck: { kind: "spin" } });
    const pids = await busyWorkers(gw, 2);

    gw.child.kill("SIGTERM");
    expect(await gw.exit).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(gw.find(/^\[gateway\] stopped; no worker left$/)).toBeDefined();

    for (const task of ["slow", "stuck"]) {
      const failure = await getGatewayTaskFailure(gw.redis, "d1", task);
      expect(failure).toMatchObject({ reason: "gateway-shutdown", task });
      expect(failure!.message).toMatch(new RegExp(`^the worker gateway stopped \\(SIGTERM\\) while task ${task} \\(run d1, task ${task}\\) ran on worker pool#\\d@\\w+; the task did not finish$`));
    }
    await waitUntil("the failures on the run's channel", () => messages.filter((m) => m.kind === "task-failed").length === 2);
  });

  it("when the gateway itself is killed (SIGKILL), its workers notice and exit, even one stuck in a task", async () => {
    const gw = await GatewayHarness.start(inject("redisUrl"), "gwkill", CONFIG);
    harnesses.push(gw);
    await gw.enqueue("pool", "k1", { stuck: { kind: "spin" } });
    const [pid] = await busyWorkers(gw, 1);
    gw.child.kill("SIGKILL");
    await gw.exit;
    await waitUntil("the orphaned worker to exit", () => !alive(pid!), 5_000);
  });
});
