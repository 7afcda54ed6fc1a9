/**
 * Output streaming on real `dag-worker` processes and a real redis-server: a producer's chunks
 * reach its reader on another worker through the producer's Redis Stream while it is still
 * producing; errors on either side; a SIGKILL of the producer's worker mid-stream fails the run
 * with TL_STREAM_INTERRUPTED (a stream cannot be replayed) instead of hanging; nothing of a run is
 * left in Redis.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";
import { addWorker, leftoverRunKeys, runRemote, startGroup } from "../optimizations/optimization-harness.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
// One hand-off per worker, so that the producer and its reader run on two workers (two processes).
const WORKER_ARGS = ["--lease-ms", "2500", "--max-held", "1", "--concurrency", "1"];

interface Seen {
  count: number;
  sum: number;
  firstArrivedAt: number;
  lastMadeAt: number;
}

describe("output streaming on dag-workers through Redis Streams", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let redis: Redis;
  const started: WorkerProcess[] = [];
  let group: string;

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "stream-tasks.ts", name: "streams" }])).get("streams")!;
    redis = new Redis(url);
    const g = await startGroup(url, 2, WORKER_ARGS);
    group = g.group;
    started.push(...g.workers);
  }, 120_000);
  afterAll(async () => {
    await stopWorkers(started);
    redis?.disconnect();
    work.dispose();
  });

  const run = (workflow: string, input: unknown) => runRemote(mod, workflow, input, url, { defaultGroup: group }, { report: true });
  const failure = (workflow: string, input: unknown) =>
    run(workflow, input).then(
      () => expect.unreachable("the run succeeded"),
      (e: unknown) => e as { code: string; task: string; originalMessage: string; originalStack: string; cause?: { code?: string }; report: { runId: string } },
    );
  /** The stream keys a failed run left in Redis (its streams hash, its chunk streams). */
  const streamKeys = (error: { report: { runId: string } }) => redis.keys(`tl:{${error.report.runId}}:streams*`);

  it("1,000 chunks from one worker to a reader on another: the first arrives before the producer ends; nothing left in Redis", async () => {
    const input = { produce: { n: 1000, msEach: 1 }, consume: { msEach: 1 } };
    const out = await run("pipeline", input);
    const seen = out.result as Seen;
    expect(seen.count).toBe(1000);
    expect(seen.sum).toBe((999 * 1000) / 2);
    expect(seen.firstArrivedAt).toBeLessThan(seen.lastMadeAt);
    const workers = new Map(out.report.tasks.map((t) => [t.task.split(".").pop(), t.worker]));
    expect(workers.get("produce")).not.toBe(workers.get("consume"));
    expect(await leftoverRunKeys(redis, out.runId)).toEqual([]);
  }, 60_000);

  it("a transformer, ReadableStream producers in a map, a reader that stops early", async () => {
    expect((await run("transformed", { n: 100 })).result).toMatchObject({ count: 100, sum: 2 * ((99 * 100) / 2) });
    expect((await run("perElement", [0, 1, 5, 300])).result).toEqual([0, 0, 10, (299 * 300) / 2]);
    const partial = await run("partial", 100_000);
    expect(partial.result).toBe(45);
    expect(await leftoverRunKeys(redis, partial.runId)).toEqual([]);
  }, 60_000);

  it("a producer that fails fails the run with its own task id and stack", async () => {
    const error = await failure("pipeline", { produce: { n: 1000, msEach: 0, failAt: 500 }, consume: { msEach: 0 } });
    expect(error.code).toBe("TL_TASK_FAILED");
    expect(error.task).toMatch(/#Streams\.produce$/);
    expect(error.originalMessage).toBe("producer failed at chunk 500");
    expect(error.originalStack).toMatch(/at Streams\.produce/);
    expect(await streamKeys(error)).toEqual([]);
  }, 60_000);

  it("a reader that fails ends its producer cleanly (its iteration is returned); the run fails with the reader's error", async () => {
    const until = join(work.dir, `until-${Date.now()}.json`);
    const error = await failure("pipeline", { produce: { n: 1000, msEach: 5, until }, consume: { msEach: 0, failAt: 10 } });
    expect(error.task).toMatch(/#Streams\.consume$/);
    expect(error.originalMessage).toBe("consumer failed at chunk 10");
    for (let i = 0; i < 200 && !existsSync(until); i++) await new Promise((r) => setTimeout(r, 50));
    const end = JSON.parse(readFileSync(until, "utf8")) as { ended: string; at: number };
    expect(end.ended).toBe("stopped");
    expect(end.at).toBeLessThan(1000);
    expect(await streamKeys(error)).toEqual([]);
  }, 60_000);

  it("SIGKILL of the producer's worker mid-stream: the run fails with TL_STREAM_INTERRUPTED, nothing hangs, nothing is left", async () => {
    const seen = started.map((w) => w.output().length);
    const running = failure("pipeline", { produce: { n: 100_000, msEach: 1 }, consume: { msEach: 0 } });
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 20_000;
    while (!victim && Date.now() < deadline) {
      victim = started.find((w, i) => taskStarted(w, seen[i] ?? 0, "produce"));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(victim).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    victim!.child.kill("SIGKILL");
    started.push(await addWorker(url, group, WORKER_ARGS));
    const error = await running;
    expect(error.code).toBe("TL_TASK_FAILED");
    expect(error.cause?.code).toBe("TL_STREAM_INTERRUPTED");
    expect(error.originalMessage).toMatch(/cannot be replayed/);
    expect(await streamKeys(error)).toEqual([]);
  }, 90_000);

  it("SIGKILL of the reader's worker mid-stream: the run fails with TL_STREAM_INTERRUPTED and the producer is stopped", async () => {
    const until = join(work.dir, `until-kill-${Date.now()}.json`);
    const seen = started.map((w) => w.output().length);
    const running = failure("pipeline", { produce: { n: 100_000, msEach: 1, until }, consume: { msEach: 0 } });
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 20_000;
    while (!victim && Date.now() < deadline) {
      victim = started.find((w, i) => w.child.exitCode === null && w.child.signalCode === null && taskStarted(w, seen[i] ?? 0, "consume"));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(victim).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    victim!.child.kill("SIGKILL");
    started.push(await addWorker(url, group, WORKER_ARGS));
    const error = await running;
    expect(error.cause?.code).toBe("TL_STREAM_INTERRUPTED");
    expect(error.task).toMatch(/#Streams\.consume$/);
    // The producer (100 s of chunks) is told to stop once the run is gone: it ends early and cleanly.
    for (let i = 0; i < 200 && !existsSync(until); i++) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(until, "utf8"))).toMatchObject({ ended: "stopped" });
    expect(await streamKeys(error)).toEqual([]);
  }, 90_000);

  /** Whether worker `w` logged the start of the pipeline's task `method` (Streams.<method>) since `from`. */
  function taskStarted(w: WorkerProcess, from: number, method: string): boolean {
    const node = mod.manifest.workflows.find((x) => x.name === "pipeline")!.nodes.find((n) => n.kind === "task" && n.task.endsWith(`#Streams.${method}`))!.id;
    return w.output().slice(from).includes(`task ${node} start`);
  }
});
