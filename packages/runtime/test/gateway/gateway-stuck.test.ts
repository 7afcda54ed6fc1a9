/**
 * A real `dag-worker` stuck in an endless task (a compiled workflow's task with `timeoutMs: 2000`,
 * `retries: 0`, looping and writing a line every 100 ms on its thread).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import type { RunLogMessage } from "../../dist/store/run-log-channel.js";
import { alive, compileGatewayTasks, GatewayHarness, processGroup, waitUntil } from "./gateway-harness.js";

const url = `${inject("redisUrl")}/7`;
/** The second test's database: the first one leaves its killed worker's hand-off pending in its queue. */
const url2 = `${inject("redisUrl")}/11`;
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

describe("dag-gateway: a worker stuck in an endless task", () => {
  it("relays its lines live, reports the stall, stops it at the task's timeout, fails the run, and keeps serving other runs", async () => {
    const gw = await GatewayHarness.start(url, {
      configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: 5000 }],
      stallMs: 700,
      timeoutGraceMs: 200,
    });
    harnesses.push(gw);
    const messages: RunLogMessage[] = [];
    const lines: string[] = [];
    const run = mod.handle("stuckRun").run("alpha", {
      redis: url,
      logs: (line, message) => {
        lines.push(line);
        messages.push(message);
      },
    });
    run.catch(() => undefined);

    const started = await waitUntil(
      "the task to start",
      () => gw.lines.find((l) => /run=[\w-]+ task=n\d+\] task started \(Stuck\.forever\)$/.test(l.text)),
      20_000,
    );
    // Its lines arrive while its thread is blocked: on the gateway's stdout and at the client.
    const third = await waitUntil("live lines", () => gw.lines.find((l) => /^\[default#1@\w+ run=[\w-]+ task=n\d+\] spinning alpha line 3$/.test(l.text)));
    expect(third.at - started.at).toBeLessThan(1500);
    await waitUntil("the lines at the client", () => lines.some((l) => /^\[default#1@\w+ n\d+\] spinning alpha line 3$/.test(l)));
    // The watchdog reports it before the timeout.
    await waitUntil("a stall report", () =>
      gw.find(/^\[gateway\] STALLED: default#1@\w+ made no progress for \d+ ms, holding task Stuck\.forever \(run [\w-]+, task n\d+\)/),
    );

    // The timeout kills the worker; with retries 0 the run fails with the gateway's message.
    await expect(run).rejects.toMatchObject({
      code: "TL_TASK_TIMEOUT",
      message: expect.stringMatching(
        /task Stuck\.forever \(run [\w-]+, task n\d+\) exceeded its timeoutMs of 2000 ms on worker default#1@\w+ \(configuration "default"\)/,
      ),
    });
    expect(messages.some((m) => m.kind === "stalled")).toBe(true);
    expect(messages.find((m) => m.kind === "task-failed")).toMatchObject({ reason: "timeout", config: "default", name: "Stuck.forever" });
    const killed = await waitUntil("the worker to exit", async () =>
      (await gw.status()).workers.find((w) => w.id.startsWith("default#1@") && w.state === "exited"),
    );
    expect(killed).toMatchObject({ stopReason: "timeout", exitSignal: "SIGKILL" });
    expect(alive(killed.pid)).toBe(false);
    expect(processGroup(killed.pid)).toEqual([]);
    expect(Date.now() - started.at).toBeLessThan(6000);

    // The gateway keeps serving other runs.
    expect(await mod.handle("burst").run([1, 2, 3], { redis: url })).toBe(12);
  });

  it("retries a task that overran its timeout as its options say: on another worker, after the lease, then fails the run", async () => {
    const gw = await GatewayHarness.start(url2, {
      configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: 5000, leaseMs: 500 }],
      timeoutGraceMs: 200,
    });
    harnesses.push(gw);
    const messages: RunLogMessage[] = [];
    const run = mod.handle("stuckTwiceRun").run("delta", { redis: url2, logs: (_line, message) => messages.push(message) });
    await expect(run).rejects.toMatchObject({
      code: "TL_TASK_TIMEOUT",
      message: expect.stringMatching(/task Stuck\.twice \(run [\w-]+, task n\d+\) exceeded its timeoutMs of 1000 ms on worker default#2@\w+/),
    });
    const failures = messages.filter((m) => m.kind === "task-failed");
    expect(failures.map((m) => [m.kind === "task-failed" && m.attempt, m.worker.replace(/@\w+$/, "")])).toEqual([
      [1, "default#1"],
      [2, "default#2"],
    ]);
    expect(gw.find(/^\[default#2@\w+ run=[\w-]+ task=n\d+\] spinning delta line \d+$/)).toBeDefined();
    await waitUntil(
      "both workers to exit",
      async () => (await gw.status()).workers.filter((w) => w.state === "exited" && w.stopReason === "timeout").length === 2,
    );
  });
});
