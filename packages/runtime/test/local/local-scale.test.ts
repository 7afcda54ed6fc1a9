/**
 * Scale (issue #10): a 1,000,000-wide fan-out and its fan-in run locally, on real worker threads,
 * with the direct call's result. Its speed and memory per instance are the bench's (`scale`).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeLocalPools } from "@taskloom/runtime";
import { Local } from "./fixtures/local-tasks.js";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";

const work = createWorkDir();
let mod: CompiledModule;

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "local-tasks.ts", name: "local" }])).get("local")!;
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

describe("local runtime at scale", () => {
  it("a 1,000,000-wide fan-out and its fan-in complete with the direct call's result", async () => {
    const xs = Array.from({ length: 1_000_000 }, (_, i) => i);
    expect(await mod.handle<number[], number>("fanout").run(xs)).toBe(Local.fanout(xs));
  }, 240_000);
});
