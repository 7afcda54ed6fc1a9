import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeLocalPools } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";
import { compilingFixtures, expectRunsLikeDirectCall, fixtureSources } from "./fixture-cases.js";

/** Every compiler fixture that compiles also runs on threads, and equals the direct call. */
const work = createWorkDir();
let compiled: Map<string, CompiledModule>;

beforeAll(async () => {
  compiled = await compileForTest(work.dir, fixtureSources());
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

describe("compiler fixtures run locally", () => {
  it("has fixtures", () => expect(compilingFixtures.length).toBeGreaterThan(10));

  it.each(compilingFixtures)("%s", async (name) => {
    const module = compiled.get(name) as CompiledModule;
    expect(module).toBeDefined();
    await expectRunsLikeDirectCall(name, module, { concurrency: 2 });
  });
});
