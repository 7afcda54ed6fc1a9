/**
 * Reliability of remote runs on real `dag-worker` processes: task retries with backoff, per-task
 * timeouts, the `--memory-mb` heap limit, a bundle that fails to load, small manifests inline in
 * the run (no manifest key), and dag-worker's own errors (bad URL, unreachable Redis).
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const BIN = fileURLToPath(new URL("../../dist/cli/dag-worker.js", import.meta.url));

/** Runs `workflow` remotely with every task in worker group `group`. */
async function runInGroup(
  mod: CompiledModule,
  workflow: string,
  input: unknown,
  url: string,
  group: string,
  stallCheckMs?: number,
  timeoutMs?: number,
): Promise<unknown> {
  const outcome = await runRemoteOutcome(
    mod,
    workflow,
    input,
    url,
    { plan: { defaultGroup: group }, ...(stallCheckMs ? { stallCheckMs } : {}) },
    timeoutMs ? { timeoutMs } : {},
  );
  return outcome.result;
}

describe("remote reliability", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let broken: CompiledModule;
  let workers: WorkerProcess[] = [];
  let redis: Redis;

  beforeAll(async () => {
    const compiled = await compileForTest(work.dir, [
      { dir: fixtures, entry: "remote-tasks.ts", name: "remote" },
      { dir: fixtures, entry: "broken-tasks.ts", name: "broken" },
    ]);
    mod = compiled.get("remote")!;
    broken = compiled.get("broken")!;
    workers = [
      ...(await startWorkers(url, 1, ["--group", "retry"])),
      ...(await startWorkers(url, 1, ["--group", "small", "--concurrency", "1", "--memory-mb", "64"])),
      ...(await startWorkers(url, 1, ["--group", "broken"], { TL_TEST_BREAK_BUNDLE: "1" })),
    ];
    redis = new Redis(url);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    redis?.disconnect();
    work.dispose();
  });

  it("retries a failing task as its retries option says, with a doubling delay", async () => {
    const counter = join(work.dir, "flaky-ok");
    const t0 = Date.now();
    expect(await runInGroup(mod, "retried", { counter, failures: 2 }, url, "retry")).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40 + 80);
    const failing = runInGroup(mod, "retried", { counter: join(work.dir, "flaky-no"), failures: 5 }, url, "retry");
    await expect(failing).rejects.toMatchObject({
      name: "TaskFailedError",
      attempts: 3,
      originalMessage: "flaky failure 3",
      message: expect.stringMatching(/ failed after 3 attempts: flaky failure 3$/),
    });
  });

  it("fails a task that runs past its timeoutMs, and the worker keeps serving", async () => {
    const run = runInGroup(mod, "stuck", 1, url, "retry");
    await expect(run).rejects.toMatchObject({ code: "TL_TASK_TIMEOUT", message: expect.stringContaining("timed out after 300 ms") });
    expect(await runInGroup(mod, "chain", 1, url, "retry")).toBe(4);
  });

  it("a task exceeding dag-worker --memory-mb fails with an out-of-memory error naming the task", async () => {
    const run = runInGroup(mod, "hungry", 400, url, "small");
    await expect(run).rejects.toMatchObject({
      code: "TL_TASK_OOM",
      message: expect.stringMatching(
        /^task Remote\.alloc \(instance n\d+, \S+:\d+:\d+, on worker \S+\) failed: ran out of memory: the thread reached its heap limit of 64 MB \(dag-worker --memory-mb\)/,
      ),
    });
    expect(await runInGroup(mod, "hungry", 2, url, "small")).toBe(2);
  });

  it("a task exceeding its own memoryMb option fails out of memory on a worker without a limit, which keeps serving", async () => {
    const run = runInGroup(mod, "cappedHungry", 400, url, "retry");
    await expect(run).rejects.toMatchObject({
      code: "TL_TASK_OOM",
      message: expect.stringMatching(
        /^task Remote\.allocCapped \(instance n\d+, \S+:\d+:\d+, on worker \S+\) failed: ran out of memory: the thread reached its heap limit of 48 MB \(task option memoryMb\)/,
      ),
    });
    expect(await runInGroup(mod, "cappedHungry", 2, url, "retry")).toBe(2);
    expect(await runInGroup(mod, "hungry", 100, url, "retry")).toBe(100);
  });

  it("a run whose remaining work was lost fails with TL_RUN_STALLED instead of hanging, and leaves no key", async () => {
    // No worker serves group "lost"; deleting its queue loses the run's only hand-off.
    const queue = "tl:queue:{lost}";
    const run = runInGroup(mod, "chain", 1, url, "lost", 200);
    const caught = run.catch((e: unknown) => e as Error & { code?: string });
    for (let i = 0; i < 200 && (await redis.xlen(queue)) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await redis.xlen(queue)).toBe(1);
    const t0 = Date.now();
    await redis.del(queue);
    const error = await caught;
    expect(error).toMatchObject({
      code: "TL_RUN_STALLED",
      message: expect.stringMatching(/^run (\S+) of chain stopped making progress: .*none of its tasks is queued or held by a worker in group\(s\) lost/),
    });
    expect(Date.now() - t0).toBeLessThan(5_000);
    const runId = /^run (\S+) /.exec(error.message)![1]!;
    const keys = await redis.keys(`tl:{${runId}}:*`);
    expect(keys.filter((k) => !k.endsWith(":metrics"))).toEqual([]);
  });

  it("a run that ends unfinished (timed out) takes its hand-offs out of the queue", async () => {
    await expect(runInGroup(mod, "chain", 1, url, "unserved", undefined, 300)).rejects.toMatchObject({ code: "TL_RUN_TIMEOUT" });
    expect(await redis.xlen("tl:queue:{unserved}")).toBe(0);
  });

  it("a long task held by a worker is never taken for a stall", async () => {
    expect(await runInGroup(mod, "napping", 1_500, url, "retry", 200)).toBe(1_501);
  });

  it("a bundle that fails to load on the worker rejects the run with an error naming it", async () => {
    const run = runInGroup(broken, "broken", 2, url, "broken");
    await expect(run).rejects.toMatchObject({
      message: expect.stringContaining(
        `the task bundle ${broken.manifest.bundle.hash} of ${broken.manifest.source} failed to load: this bundle refuses to load here`,
      ),
    });
  });

  it("a small manifest travels inside the run's metadata, and is stored once by its hash at the run's end (for dashboards)", async () => {
    const hash = createHash("sha256").update(JSON.stringify(mod.manifest)).digest("hex").slice(0, 16);
    await redis.del(`tl:manifest:{${hash}}`);
    expect(await runInGroup(mod, "chain", 2, url, "retry")).toBe(5);
    // The workers read it from the run's metadata; the client then stored it by its hash, with the manifest's text.
    expect(JSON.parse((await redis.get(`tl:manifest:{${hash}}`)) as string)).toEqual(mod.manifest);
    expect(await redis.exists(`tl:bundle:{${mod.manifest.bundle.hash}}`)).toBe(1);
  });

  it("dag-worker exits non-zero with a clear message for a bad URL and for an unreachable Redis", () => {
    const bad = spawnSync(process.execPath, [BIN, "--redis", "not-a-url"], { encoding: "utf8", timeout: 20_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('redis must be a redis:// or rediss:// URL, got "not-a-url"');
    const down = spawnSync(process.execPath, [BIN, "--redis", "redis://127.0.0.1:1"], { encoding: "utf8", timeout: 20_000 });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain("cannot connect to Redis at redis://127.0.0.1:1");
    expect(down.stderr).toContain("TL_REDIS_UNREACHABLE");
  });
});
