/**
 * Inline steps and branches on worker threads: an inline step between two tasks runs in their batch
 * (no extra round trip), one that throws fails the run like the direct call, with the expression's
 * place, unretried; only a branch's taken arm runs, the others' tasks are reported as skipped.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeLocalPools, type RunEvent, type RunReport } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";
import { Body } from "./fixtures/body-tasks.js";

const work = createWorkDir();
let mod: CompiledModule;

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "body-tasks.ts", name: "body" }])).get("body")!;
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; report?: RunReport }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the run to reject");
}

describe("inline steps, locally", () => {
  it("runs an inline step between two tasks in their batch: one message to a thread, like the chain without it", async () => {
    const plain = await mod.handle<number, number>("plainChain").run(4, { report: true });
    const inline = await mod.handle<number, number>("inlineChain").run(4, { report: true });
    expect(inline.result).toBe(Body.inlineChain(4));
    expect(inline.report.counts.tasks).toBe(2);
    expect(inline.report.counts.batches).toBe(plain.report.counts.batches);
    expect(inline.report.counts.batches).toBe(1);
  });

  it("fails the run when an inline step of the result throws, naming the expression's place", async () => {
    expect(() => Body.failInResult(5)).toThrow(TypeError);
    const error = await rejection(mod.handle<number>("failInResult").run(5));
    expect(error.code).toBe("TL_INLINE_FAILED");
    expect(error.message).toMatch(
      /the expression at \S*body-tasks\.ts:\d+:\d+ \(inline step \S*body-tasks\.ts#Body\.failInResult\$1\) threw TypeError: Cannot read properties of undefined/,
    );
  });

  it("fails a task whose argument's inline step throws, without retrying it", async () => {
    const error = await rejection(mod.handle<number>("failInArgument").run(5, { report: true }));
    expect(error.code).toBe("TL_INLINE_FAILED");
    expect(error.message).toMatch(
      /^task Body\.patient \(instance n2, \S+\) failed: the expression at \S*body-tasks\.ts:\d+:\d+ \(inline step \S*#Body\.failInArgument\$1\) threw TypeError/,
    );
    expect(error.report?.tasks.find((t) => t.task.endsWith("Body.patient"))?.attempts ?? 1).toBe(1);
  });
});

describe("branches, locally", () => {
  it("runs only the taken arm and reports the other arm's task as skipped, in events and in the report", async () => {
    const events: RunEvent[] = [];
    const { result, report } = await mod.handle<number, number>("guarded").run(4, { report: true, onEvent: (e) => events.push(e) });
    expect(result).toBe(Body.guarded(4));
    const skipped = events.filter((e) => e.type === "skipped");
    expect(skipped).toEqual([expect.objectContaining({ type: "skipped", task: expect.stringMatching(/#Body\.boom$/), name: "Body.boom", branch: "b1" })]);
    expect(report.skipped).toEqual([expect.objectContaining({ instanceId: skipped[0]?.instanceId, name: "Body.boom", branch: "b1" })]);
    expect(report.counts.skipped).toBe(1);
    expect(report.tasks.map((t) => t.name).sort()).toEqual(["Body.bump", "Body.twice"]);
  });

  it("decides per element of a fan-out: skipped instances carry the element's suffix", async () => {
    const { result, report } = await mod.handle<number[], number[]>("perElement").run([2, 3, 5], { report: true });
    expect(result).toEqual(Body.perElement([2, 3, 5]));
    expect(report.skipped.map((s) => s.instanceId).sort()).toEqual(["n2[0]", "n2[1]", "n2[2]"]);
    await expect(mod.handle<number[]>("perElement").run([2, 1])).rejects.toThrow(/boom\(1\) ran in an arm not taken/);
  });
});
