import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { compilingFixtures, expectRunsLikeDirectCall, fixtureSources } from "../local/fixture-cases.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

/** Every compiler fixture that compiles also runs on two dag-worker processes, and equals the direct call. */
describe("compiler fixtures run remotely", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let compiled: Map<string, CompiledModule>;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // One after the other: on a busy machine a worker competing with the compiler starts slowly.
    compiled = await compileForTest(work.dir, fixtureSources());
    workers = await startWorkers(url, 2);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    work.dispose();
  });

  it.each(compilingFixtures)("%s", async (name) => {
    const module = compiled.get(name) as CompiledModule;
    expect(module).toBeDefined();
    await expectRunsLikeDirectCall(name, module, { redis: url });
  });
});
