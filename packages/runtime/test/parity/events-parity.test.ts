/**
 * The parity suite, events and reports: a workflow's task events have the same types and counts
 * on worker threads and on two `dag-worker` processes (which publish them on the run's channel),
 * the progress bar follows them, and the report has the same shape.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TaskFailedError, closeLocalPools, type RunEvent, type RunOptions, type RunReport } from "@taskloom/runtime";
import { counts, shapeOf } from "./parity-helpers.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";

const url = `${inject("redisUrl")}/14`;
const work = createWorkDir();
let mod: CompiledModule;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "parity-tasks.ts", name: "parity" }])).get("parity")!;
  workers = await startWorkers(url, 2);
});
afterAll(async () => {
  await stopWorkers(workers);
  await closeLocalPools();
  work.dispose();
});

const modes: [string, RunOptions][] = [
  ["local", {}],
  ["remote", { redis: url }],
];

describe("parity: events and reports", () => {
  it("a fan-out's events: the same types and counts, each instance queued, started and finished once", async () => {
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const seen: Record<string, RunEvent[]> = {};
    for (const [mode, options] of modes) {
      const events: RunEvent[] = [];
      expect(await mod.handle("fanout").run(xs, { ...options, onEvent: (e) => events.push(e) })).toBe(820);
      seen[mode] = events;
    }
    expect(counts(seen.remote!)).toEqual(counts(seen.local!));
    expect(counts(seen.local!)).toEqual({ queued: 41, started: 41, finished: 41 });
    for (const events of Object.values(seen)) {
      for (const type of ["queued", "started", "finished"]) expect(new Set(events.filter((e) => e.type === type).map((e) => e.instanceId)).size).toBe(41);
      const last = events.filter((e) => e.type === "finished").at(-1)!;
      expect(last).toMatchObject({ name: "Parity.sum", task: expect.stringMatching(/#Parity\.sum$/) });
    }
    const remoteStart = seen.remote!.find((e) => e.type === "started")!;
    expect(remoteStart).toMatchObject({ worker: expect.stringMatching(/\S/), thread: expect.any(Number), attempt: 1 });
    expect(seen.local!.find((e) => e.type === "started")).toMatchObject({ worker: "local", thread: expect.any(Number) });
  });

  it("retries and a final failure: failed, retrying and the error alike", async () => {
    const seen: Record<string, RunEvent[]> = {};
    let n = 0;
    for (const [mode, options] of modes) {
      const counter = join(work.dir, `events-flaky-${n++}`);
      writeFileSync(counter, "");
      const events: RunEvent[] = [];
      expect(await mod.handle("retried").run({ counter, failures: 2 }, { ...options, onEvent: (e) => events.push(e) })).toBe(3);
      const failing: RunEvent[] = [];
      await expect(mod.handle("failing").run([1, 2, 3], { ...options, onEvent: (e) => failing.push(e) })).rejects.toBeInstanceOf(TaskFailedError);
      seen[mode] = events;
      seen[`${mode} failing`] = failing.filter((e) => e.type === "failed");
    }
    expect(counts(seen.remote!)).toEqual(counts(seen.local!));
    expect(counts(seen.local!)).toEqual({ queued: 1, failed: 2, retrying: 2, started: 1, finished: 1 });
    expect(seen.remote!.filter((e) => e.type === "retrying").map((e) => [e.attempt, (e as { delayMs: number }).delayMs])).toEqual([
      [2, 10],
      [3, 20],
    ]);
    for (const mode of ["local failing", "remote failing"]) {
      expect(seen[mode]).toHaveLength(1);
      expect(seen[mode]![0]).toMatchObject({ type: "failed", final: true, attempt: 1, error: expect.any(TaskFailedError) });
      expect((seen[mode]![0] as { error: TaskFailedError }).error.originalMessage).toBe("boom at 3");
    }
  });

  it("the progress bar follows a remote run as it does a local one", async () => {
    for (const [, options] of modes) {
      const stream = new PassThrough();
      let text = "";
      stream.on("data", (d: Buffer) => (text += d.toString()));
      await mod.handle("fanout").run([1, 2, 3], { ...options, progress: { force: true, stream, intervalMs: 1 } });
      expect(text.trim().split("\n").at(-1)).toMatch(/^Parity\.fanout \[#+\] 4\/4 tasks \d+\/s \d+\.\ds done$/);
    }
  });

  it("the report has the same shape", async () => {
    const reports: RunReport[] = [];
    for (const [, options] of modes) reports.push((await mod.handle<number[], number>("fanout").run([1, 2], { ...options, report: true })).report);
    const [local, remote] = reports as [RunReport, RunReport];
    // Remote only: the data-aware optimizations, and the client's read of the result from Redis.
    const { optimizations: _o, resultRead: _r, ...remoteCore } = remote as RunReport & { optimizations?: unknown };
    expect(shapeOf({ ...remoteCore, executor: "x" })).toEqual(shapeOf({ ...local, executor: "x" }));
    expect(local.tasks.map((t) => t.worker)).toEqual(["local", "local", "local"]);
    expect(new Set(remote.tasks.map((t) => typeof t.thread))).toEqual(new Set(["number"]));
    // Every report names its run: a UUID, a new one per run.
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(local.runId).toMatch(uuid);
    expect(remote.runId).toMatch(uuid);
    expect(local.runId).not.toBe(remote.runId);
  });
});
