/**
 * A remote run whose work waits in a worker group that no dag-worker serves: the client warns once
 * (`process.emitWarning`, code `TL_NO_WORKER`) naming the run, the group and how to serve it, and
 * the run goes on when a worker comes. A group whose worker is busy with the run's task is not warned of.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

/** The TL_NO_WORKER warnings emitted while `f` runs. */
async function warningsDuring<T>(f: () => Promise<T>): Promise<{ value: T; warnings: Error[] }> {
  const warnings: Error[] = [];
  const listen = (w: Error): void => {
    if ((w as { code?: string }).code === "TL_NO_WORKER") warnings.push(w);
  };
  process.on("warning", listen);
  try {
    const value = await f();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
    return { value, warnings };
  } finally {
    process.off("warning", listen);
  }
}

describe("a run waiting for a worker", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "remote-tasks.ts", name: "remote" }])).get("remote")!;
    workers.push(...(await startWorkers(url, 1, ["--group", "busy", "--concurrency", "1"])));
  });
  afterAll(async () => {
    await stopWorkers(workers);
    work.dispose();
  });

  it("warns once, naming the group and how to start its worker, and completes once a worker comes", async () => {
    const { value, warnings } = await warningsDuring(async () => {
      const run = runRemoteOutcome(mod, "chain", 1, url, { plan: { defaultGroup: "latecomer" }, stallCheckMs: 100, noWorkerWarningMs: 600 });
      // Well after the warning: a worker for the group starts, and the run goes on.
      await new Promise((r) => setTimeout(r, 1_500));
      workers.push(...(await startWorkers(url, 1, ["--group", "latecomer"])));
      return run;
    });
    expect(value.result).toBe(4);
    expect(warnings).toHaveLength(1);
    const message = warnings[0]!.message;
    expect(message).toContain(`run ${value.runId} of chain`);
    expect(message).toContain('worker group "latecomer"');
    expect(message).toMatch(/no dag-worker has taken one for \d+ s/);
    expect(message).toContain(`dag-worker.js --redis ${url} --group latecomer`);
    expect(message).toContain("the run goes on when one comes");
  });

  it("does not warn while the group's worker is busy with the run", async () => {
    const { value, warnings } = await warningsDuring(() =>
      // A 1.2 s nap held by the group's worker, four times the warning's delay.
      runRemoteOutcome(mod, "napping", 1_200, url, { plan: { defaultGroup: "busy" }, stallCheckMs: 100, noWorkerWarningMs: 300 }),
    );
    expect(value.result).toBe(1_201);
    expect(warnings).toEqual([]);
  });
});
