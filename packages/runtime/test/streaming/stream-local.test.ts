/**
 * Output streaming on the local runtime (real worker threads): a producer's chunks reach its
 * reader through a message port while it is still producing; errors on either side; the direct
 * call's meaning.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTaskloomError } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const work = createWorkDir();
let mod: CompiledModule;

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "stream-tasks.ts", name: "streams" }])).get("streams")!;
}, 120_000);
afterAll(() => work.dispose());

/** Waits until `file` exists (a producer's `finally` writes it), for at most 10 s. */
async function ended(file: string): Promise<{ ended: string; at: number }> {
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  return JSON.parse(readFileSync(file, "utf8")) as { ended: string; at: number };
}

/** The error the pipeline's run rejects with. */
function failure(input: unknown): Promise<unknown> {
  return mod
    .handle("pipeline")
    .run(input)
    .then(
      () => expect.unreachable("the run succeeded"),
      (e: unknown) => e,
    );
}

describe("output streaming, local threads", () => {
  it("the manifest marks the streaming tasks (IR version 3)", () => {
    expect(mod.manifest.version).toBe(3);
    const byMethod = new Map(Object.values(mod.manifest.tasks).map((t) => [t.method, t.stream]));
    expect(byMethod.get("produce")).toEqual({ output: true });
    expect(byMethod.get("double")).toEqual({ output: true, params: [0] });
    expect(byMethod.get("consume")).toEqual({ params: [0] });
    expect(byMethod.get("produceAll")).toBeUndefined();
  });

  it("1,000 chunks: the reader's first chunk arrives before the producer ends; the result equals the direct call", async () => {
    const input = { produce: { n: 1000, msEach: 1 }, consume: { msEach: 1 } };
    const seen = (await mod.handle("pipeline").run(input)) as { count: number; sum: number; firstArrivedAt: number; lastMadeAt: number };
    expect(seen.count).toBe(1000);
    expect(seen.sum).toBe((999 * 1000) / 2);
    expect(seen.firstArrivedAt).toBeLessThan(seen.lastMadeAt);
    const { Streams } = (await import(mod.source)) as { Streams: { pipeline(i: typeof input): Promise<typeof seen> } };
    const direct = await Streams.pipeline(input);
    expect({ count: direct.count, sum: direct.sum }).toEqual({ count: seen.count, sum: seen.sum });
  }, 60_000);

  it("a transformer between producer and reader, ReadableStream producers in a map, a reader that stops early", async () => {
    expect(await mod.handle("transformed").run({ n: 100 })).toMatchObject({ count: 100, sum: 2 * ((99 * 100) / 2) });
    expect(await mod.handle("perElement").run([0, 1, 5, 300])).toEqual([0, 0, 10, (299 * 300) / 2]);
    expect(await mod.handle("partial").run(1_000_000)).toBe(45);
  }, 60_000);

  it("a producer that fails fails the run with its own task id and stack, and its reader with it", async () => {
    const input = { produce: { n: 1000, msEach: 0, failAt: 500 }, consume: { msEach: 0 } };
    const error = (await failure(input)) as { task: string; originalMessage: string; originalStack: string };
    expect(isTaskloomError(error, "TL_TASK_FAILED")).toBe(true);
    expect(error.task).toMatch(/#Streams\.produce$/);
    expect(error.originalMessage).toBe("producer failed at chunk 500");
    expect(error.originalStack).toMatch(/stream-tasks/);
  }, 60_000);

  it("a reader that fails ends its producer cleanly (its iteration is returned) and fails the run with the reader's error", async () => {
    const until = join(work.dir, `until-${Date.now()}.json`);
    const input = { produce: { n: 1000, msEach: 5, until }, consume: { msEach: 0, failAt: 10 } };
    const error = (await failure(input)) as { task: string; originalMessage: string };
    expect(error.task).toMatch(/#Streams\.consume$/);
    expect(error.originalMessage).toBe("consumer failed at chunk 10");
    const end = await ended(until);
    expect(end.ended).toBe("stopped");
    expect(end.at).toBeLessThan(1000);
  }, 60_000);
});
