/**
 * `run(input, { redis, logs })` with a real gateway and real `dag-worker` processes: the client
 * receives its run's lines as they happen, tagged with the worker and task, and only its own.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import type { RunLogMessage } from "../../dist/store/run-log-channel.js";
import { compileGatewayTasks, GatewayHarness } from "./gateway-harness.js";

const url = `${inject("redisUrl")}/10`;
const harnesses: GatewayHarness[] = [];
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  gw = await GatewayHarness.start(url, {
    configurations: [{ name: "default", memoryMb: 256, threads: 2, maxWorkers: 1, keepAliveMs: 1000 }],
  });
  harnesses.push(gw);
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
  dispose();
});

describe("run(input, { redis, logs })", () => {
  it("forwards each line of the run's tasks as it happens, and none of another run", async () => {
    const mine: { line: string; message: RunLogMessage; at: number }[] = [];
    const other: string[] = [];
    const [a, b] = await Promise.all([
      mod.handle("burst").run([1, 2, 3, 4], { redis: url, logs: (line, message) => mine.push({ line, message, at: Date.now() }) }),
      mod.handle("burst").run([10, 20], { redis: url, logs: (line) => other.push(line) }),
    ]);
    expect([a, b]).toEqual([20, 60]);
    const slow = mine.filter((m) => / on its way$/.test(m.line));
    expect(slow.map((m) => m.line).sort()).toEqual(
      [1, 2, 3, 4].map((x) => expect.stringMatching(new RegExp(`^\\[default#1@\\w+ n\\d+\\[${x - 1}\\]\\] slow ${x} on its way$`))),
    );
    expect(slow.every((m) => m.message.kind === "log" && m.message.config === "default" && m.message.stream === "out")).toBe(true);
    // Lines arrive while the run goes on, not in one piece at its end: the first task's line comes
    // at least one 100 ms task before the last one.
    expect(slow.at(-1)!.at - slow[0]!.at).toBeGreaterThanOrEqual(80);
    expect(other.filter((l) => / on its way$/.test(l)).sort()).toEqual([
      expect.stringMatching(/\] slow 10 on its way$/),
      expect.stringMatching(/\] slow 20 on its way$/),
    ]);
  });

  it("prints the lines on stdout with logs: true, and lets the client process exit after the run", async () => {
    const script = join(dirname(mod.source), "print-logs.mjs");
    writeFileSync(
      script,
      [
        `import { createWorkflowHandle } from "@taskloom/runtime";`,
        `const handle = createWorkflowHandle(${JSON.stringify(mod.manifest)}, "burst", new URL(${JSON.stringify(mod.bundleUrl.href)}));`,
        `console.log("result " + await handle.run([7, 8], { redis: ${JSON.stringify(url)}, logs: true }));`,
      ].join("\n"),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script], { encoding: "utf8", timeout: 30_000 });
    const lines = stdout.trim().split("\n");
    expect(lines.filter((l) => / on its way$/.test(l)).sort()).toEqual([
      expect.stringMatching(/^\[default#\d@\w+ n\d+\[0\]\] slow 7 on its way$/),
      expect.stringMatching(/^\[default#\d@\w+ n\d+\[1\]\] slow 8 on its way$/),
    ]);
    expect(lines.at(-1)).toBe("result 30");
  });

  it("validates the option", async () => {
    await expect(mod.handle("burst").run([1], { logs: true })).rejects.toThrow("options.logs needs options.redis: lines are relayed by a worker gateway");
    await expect(mod.handle("burst").run([1], { redis: url, logs: "yes" as never })).rejects.toThrow('options.logs must be a boolean or a function, got "yes"');
  });
});
