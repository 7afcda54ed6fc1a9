/**
 * Inline steps and branches on real `dag-worker` processes: an inline step between two tasks runs
 * on the worker that produced its input, with no Redis write of its own (the chain's bytes are those
 * of the chain without it), one that throws fails the run with its place, unretried; only the taken
 * arms of branches run, the others' tasks are reported as skipped.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import type { RunEvent } from "../../dist/index.js";
import { Body } from "../local/fixtures/body-tasks.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the run to reject");
}

describe("inline steps, remotely on two workers", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "..", "local", "fixtures"), entry: "body-tasks.ts", name: "body" }])).get("body")!;
    workers = await startWorkers(url, 2);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    work.dispose();
  });

  it("runs an inline step between two tasks on the producing worker: no Redis write of its own", async () => {
    const plain = await runRemoteOutcome(mod, "plainChain", 4, url);
    const inline = await runRemoteOutcome(mod, "inlineChain", 4, url);
    expect(inline.result).toBe(Body.inlineChain(4));
    expect(inline.report.counts.tasks).toBe(2);
    // Only the last task's output is stored (the client reads it): as many bytes as without the step.
    expect(inline.bytesWritten).toBe(plain.bytesWritten);
  });

  it("fails the run with the expression's place when an inline step throws, in the result or in an argument", async () => {
    const inResult = await rejection(mod.handle<number>("failInResult").run(5, { redis: url }));
    expect(inResult.code).toBe("TL_INLINE_FAILED");
    expect(inResult.message).toMatch(/the expression at \S*body-tasks\.ts:\d+:\d+ \(inline step \S*#Body\.failInResult\$1\) threw TypeError/);
    const inArgument = await rejection(mod.handle<number>("failInArgument").run(5, { redis: url }));
    expect(inArgument.code).toBe("TL_INLINE_FAILED");
    expect(inArgument.message).toMatch(/inline step \S*#Body\.failInArgument\$1\) threw TypeError/);
    expect(inArgument.message).not.toMatch(/attempts/);
  });

  it("runs only the taken arms of branches, and reports the others' tasks as skipped when the run ends", async () => {
    const guarded = await runRemoteOutcome(mod, "guarded", 4, url);
    expect(guarded.result).toBe(Body.guarded(4));
    expect(guarded.report.skipped).toEqual([expect.objectContaining({ name: "Body.boom", branch: "b1" })]);
    const events: RunEvent[] = [];
    const perElement = await runRemoteOutcome(mod, "perElement", [2, 3, 5], url, {}, { onEvent: (e) => events.push(e) });
    expect(perElement.result).toEqual(Body.perElement([2, 3, 5]));
    expect(perElement.report.counts.skipped).toBe(3);
    expect(
      events
        .filter((e) => e.type === "skipped")
        .map((e) => e.instanceId)
        .sort(),
    ).toEqual(["n2[0]", "n2[1]", "n2[2]"]);
  });
});
