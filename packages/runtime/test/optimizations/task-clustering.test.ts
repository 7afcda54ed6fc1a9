/**
 * Task clustering on fan-outs, on real `dag-worker` processes and a real redis-server: a task
 * whose output is large runs its ready dependents on its own worker, up to its free threads, and
 * stores the output only when a dependent must be handed off. A SIGKILL of the worker holding a
 * clustered output mid-run loses nothing.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { createWorkDir } from "../local/compile-for-test.js";
import { stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";
import { addWorker, compileOptimizationTasks, leftoverRunKeys, MiB, nodesOf, runRemote, startGroup, workerOf } from "./optimization-harness.js";

// A lease long enough that a busy machine never takes work from a live worker (which would run it twice).
const WORKER_ARGS = ["--lease-ms", "2500"];
const OFF = { clustering: false, delayedIo: false };

describe("task clustering on fan-outs (two dag-workers × 2 threads)", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let group: string;
  let workers: WorkerProcess[] = [];
  let redis: Redis;
  let direct: { fanOut: (job: unknown) => number; mapped: (job: unknown) => number };

  beforeAll(async () => {
    mod = await compileOptimizationTasks(work.dir);
    ({ group, workers } = await startGroup(url, 2, WORKER_ARGS));
    redis = new Redis(url);
    direct = (await import(mod.source)).Opt;
  });
  afterAll(async () => {
    await stopWorkers(workers);
    redis?.disconnect();
    work.dispose();
  });

  it("a 2 MiB output read by two tasks: both run on its worker and it is never stored; off, it is stored and they spread", async () => {
    const job = { mb: 2, seed: 5, ms: 150 };
    const expected = direct.fanOut(job);
    const [blob] = nodesOf(mod, "fanOut", "blob");
    const digests = nodesOf(mod, "fanOut", "digest");
    const on = await runRemote(mod, "fanOut", job, url, { defaultGroup: group }, { report: true });
    expect(on.result).toBe(expected);
    const at = workerOf(on.report);
    expect(digests.map((d) => at.get(d))).toEqual([at.get(blob!), at.get(blob!)]);
    expect(on.bytesWritten).toBeLessThan(1024);
    const use = on.report.tasks.find((t) => t.instanceId === blob)?.optimizations;
    expect(use?.clustered).toBe(1);
    expect(use?.bytesNotStored).toBeGreaterThanOrEqual(2 * MiB);
    expect(on.report.optimizations).toMatchObject({ clustered: 1 });
    expect(on.report.counts.retries).toBe(0);
    expect(await leftoverRunKeys(redis, on.runId)).toEqual([]);

    const off = await runRemote(mod, "fanOut", job, url, { defaultGroup: group }, { report: true, optimizations: OFF });
    expect(off.result).toBe(expected);
    expect(off.bytesWritten).toBeGreaterThan(2 * MiB);
    expect(off.report.tasks.some((t) => t.optimizations !== undefined)).toBe(false);
    console.log(`fan-out of 2 over 2 MiB: ${on.bytesWritten} bytes stored with clustering, ${off.bytesWritten} without`);
  });

  it("a dynamic fan-out: as many parts as free threads run beside their source; beyond them the rest is handed off and the output stored once", async () => {
    const two = { mb: 0.75, n: 2, ms: 100 };
    const small = await runRemote(mod, "mapped", two, url, { defaultGroup: group }, { report: true });
    expect(small.result).toBe(direct.mapped(two));
    const [source] = nodesOf(mod, "mapped", "blobs");
    const [digest] = nodesOf(mod, "mapped", "digest");
    const at = workerOf(small.report);
    expect([at.get(`${digest}[0]`), at.get(`${digest}[1]`)]).toEqual([at.get(source!), at.get(source!)]);
    expect(small.bytesWritten).toBeLessThan(1024);

    const six = { mb: 0.75, n: 6, ms: 100 };
    const wide = await runRemote(mod, "mapped", six, url, { defaultGroup: group }, { report: true });
    expect(wide.result).toBe(direct.mapped(six));
    const use = wide.report.tasks.find((t) => t.instanceId === source)?.optimizations;
    expect(use?.clustered).toBe(1);
    expect(use?.bytesNotStored).toBeUndefined();
    // Stored once (base64: 4/3 of the bytes), not once per reader.
    expect(wide.bytesWritten).toBeGreaterThan(6 * 0.75 * MiB);
    expect(wide.bytesWritten).toBeLessThan(2 * 6 * 0.75 * MiB);
    expect(wide.report.counts.retries).toBe(0);
    expect(await leftoverRunKeys(redis, wide.runId)).toEqual([]);
  });

  it("a task's own switch turns clustering off for it, a run's explicit switch wins over it; largeOutputBytes sets what is large", async () => {
    const job = { mb: 2, seed: 6, ms: 50 };
    const own = await runRemote(mod, "plainFanOut", job, url, { defaultGroup: group });
    expect(own.bytesWritten).toBeGreaterThan(2 * MiB);
    const forced = await runRemote(mod, "plainFanOut", job, url, { defaultGroup: group }, { optimizations: { clustering: true } });
    expect(forced.bytesWritten).toBeLessThan(1024);
    const small = await runRemote(mod, "fanOut", job, url, { defaultGroup: group }, { largeOutputBytes: 4 * MiB });
    expect(small.bytesWritten).toBeGreaterThan(2 * MiB);
  });

  it("SIGKILL of the worker holding a clustered output while its dependents run: the run completes on the other worker", async () => {
    const job = { mb: 2, seed: 9, ms: 1500 };
    const expected = direct.fanOut(job);
    const [blob] = nodesOf(mod, "fanOut", "blob");
    const digests = nodesOf(mod, "fanOut", "digest");
    const seen = workers.map((w) => w.output().length);
    const running = runRemote(mod, "fanOut", job, url, { defaultGroup: group });
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 10_000;
    while (!victim && Date.now() < deadline) {
      // The worker that ran the blob and started both digests holds the only copy of the output.
      victim = workers.find((w, i) => {
        const out = w.output().slice(seen[i]);
        return out.includes(`task ${blob} start`) && digests.every((d) => new RegExp(`(task|tasks .*) ${d.replace(/[[\]]/g, "\\$&")}\\b.* start`).test(out));
      });
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(victim).toBeDefined();
    victim!.child.kill("SIGKILL");
    const run = await running;
    expect(run.result).toBe(expected);
    expect(await leftoverRunKeys(redis, run.runId)).toEqual([]);
    workers = [...workers.filter((w) => w !== victim), await addWorker(url, group, WORKER_ARGS)];
  });
});
