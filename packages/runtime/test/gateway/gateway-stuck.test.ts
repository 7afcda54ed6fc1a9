import { afterAll, describe, expect, inject, it } from "vitest";
import { subscribeRunLogs, type RunLogMessage } from "../../dist/gateway/run-log-channel.js";
import { alive, GatewayHarness, waitUntil } from "./gateway-harness.js";

const harnesses: GatewayHarness[] = [];
const unsubscribes: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(unsubscribes.map((u) => u()));
  await Promise.all(harnesses.map((h) => h.dispose()));
});

describe("dag-gateway: a worker stuck in an endless task", () => {
  it("relays its lines live, stops it at the task's timeout, fails the task, and keeps serving other runs", async () => {
    const gw = await GatewayHarness.start(inject("redisUrl"), "gwstuck", {
      configurations: [{ name: "small", memoryMb: 128, threads: 1, maxWorkers: 2, keepAliveMs: 5000 }],
      stallMs: 700,
      timeoutGraceMs: 200,
    });
    harnesses.push(gw);
    const messages: RunLogMessage[] = [];
    unsubscribes.push(await subscribeRunLogs(gw.redisUrl, "s1", (m) => messages.push(m)));

    await gw.enqueue("small", "s1", { stuck: { kind: "spin", timeoutMs: 2000, retries: 0, name: "Stuck.forever" } });
    const started = await waitUntil("the task to start", () => gw.lines.find((l) => /run=s1 task=stuck\] task started/.test(l.text)));

    // Its lines arrive while its main thread is blocked, on the gateway's stdout and on the run's channel.
    const third = await waitUntil("live lines", () => gw.lines.find((l) => /^\[small#1@\w+ run=s1 task=stuck\] spinning stuck line 3$/.test(l.text)));
    expect(third.at - started.at).toBeLessThan(1500);
    await waitUntil("channel lines", () => messages.some((m) => m.kind === "log" && m.line === "spinning stuck line 3"));
    // The watchdog reports it before the timeout.
    await waitUntil("a stall report", () => gw.find(/^\[gateway\] STALLED: small#1@\w+ made no progress for \d+ ms, holding task Stuck\.forever \(run s1, task stuck\)/));
    expect(messages.some((m) => m.kind === "stalled" && m.task === "stuck")).toBe(true);

    // The timeout kills the worker; the task goes back to the queue, and with retries 0 the run's task fails.
    const result = await waitUntil("the task's failure", async () => (await gw.results("s1")).stuck, 20_000);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/task Stuck\.forever \(run s1, task stuck\) exceeded its timeoutMs of 2000 ms on worker small#1@\w+ \(configuration "small"\)/);
    const failure = messages.find((m) => m.kind === "task-failed");
    expect(failure).toMatchObject({ kind: "task-failed", reason: "timeout", task: "stuck", config: "small" });
    const killed = (await gw.status()).workers.find((w) => w.id.startsWith("small#1@"))!;
    expect(killed).toMatchObject({ state: "exited", stopReason: "timeout", exitSignal: "SIGKILL" });
    expect(alive(killed.pid)).toBe(false);
    const lastLine = gw.indexOf(/spinning stuck line/);
    expect(lastLine).toBeGreaterThan(-1);

    // The gateway keeps serving other runs.
    await gw.enqueue("small", "s2", { ok: { kind: "sleep", ms: 50 } });
    const other = await waitUntil("another run", async () => (await gw.results("s2")).ok);
    expect(other.ok).toBe(true);
  });
});
