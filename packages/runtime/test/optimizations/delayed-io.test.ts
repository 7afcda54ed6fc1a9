/**
 * Delayed I/O and task clustering on fan-ins, on real `dag-worker` processes and a real
 * redis-server: a large output whose fan-in still waits for another input stays on its worker
 * (re-checked with backoff up to `delayedIoMaxMs`, then stored); a ready fan-in runs on the worker
 * holding its largest input and only the smaller input travels. A SIGKILL of the worker holding
 * a delayed output mid-delay still completes the run (the output is made again).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { createWorkDir } from "../local/compile-for-test.js";
import { stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";
import { addWorker, compileOptimizationTasks, leftoverRunKeys, MiB, nodesOf, runRemote, startGroup, workerOf } from "./optimization-harness.js";

// A lease long enough that a busy machine never takes work from a live worker (which would run it twice).
const WORKER_ARGS = ["--lease-ms", "2500"];
// One hand-off per worker: two independent chains start on two workers.
const SPREAD_ARGS = [...WORKER_ARGS, "--max-held", "1"];
const OFF = { clustering: false, delayedIo: false };

type Direct = Record<"diamond" | "unevenFanIn", (job: unknown) => number>;

describe("delayed I/O and fan-in clustering (dag-workers × 2 threads)", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let redis: Redis;
  let direct: Direct;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    mod = await compileOptimizationTasks(work.dir);
    redis = new Redis(url);
    direct = (await import(mod.source)).Opt;
  });
  afterAll(async () => {
    await stopWorkers(started);
    redis?.disconnect();
    work.dispose();
  });

  const group = async (count: number, args: string[]) => {
    const g = await startGroup(url, count, args);
    started.push(...g.workers);
    return g;
  };

  it("a diamond over 2 MiB: the faster branch's output waits for the slower one on their worker, the fan-in runs there, nothing large is stored; off, both are stored", async () => {
    const { group: g } = await group(1, WORKER_ARGS);
    const job = { mb: 2, fastMs: 30, slowMs: 400 };
    const expected = direct.diamond(job);
    const [fast, slow] = nodesOf(mod, "diamond", "grow");
    const [pair] = nodesOf(mod, "diamond", "pair");
    const on = await runRemote(mod, "diamond", job, url, { defaultGroup: g }, { report: true });
    expect(on.result).toBe(expected);
    expect(on.bytesWritten).toBeLessThan(1024);
    const uses = new Map(on.report.tasks.map((t) => [t.instanceId, t.optimizations]));
    // The fast branch was held (for about the slow one's extra time) and never stored.
    expect(uses.get(fast!)?.delayedMs).toBeGreaterThan(100);
    expect(uses.get(fast!)?.bytesNotStored).toBeGreaterThanOrEqual(2 * MiB);
    expect(uses.get(pair!)?.fanInPlaced).toBe(true);
    // The slower branch completes at once (taking the held one with it), or after one short check when the two met mid-check.
    expect(uses.get(slow!)?.delayedMs ?? 0).toBeLessThan(300);
    expect(on.report.optimizations).toMatchObject({ delayed: 1, fanInsPlaced: 1, clustered: 1 });
    expect(on.report.counts.retries).toBe(0);
    expect(await leftoverRunKeys(redis, on.runId)).toEqual([]);

    const off = await runRemote(mod, "diamond", job, url, { defaultGroup: g }, { report: true, optimizations: OFF });
    expect(off.result).toBe(expected);
    // The blob (handed off to the second branch) and the fast branch's output.
    expect(off.bytesWritten).toBeGreaterThan(2 * 2 * MiB);
    console.log(`diamond over 2 MiB: ${on.bytesWritten} bytes stored with delayed I/O + clustering, ${off.bytesWritten} without`);
  });

  it("delayedIoMaxMs bounds the wait: past it the output is stored and the counters updated as usual", async () => {
    const { group: g } = await group(1, WORKER_ARGS);
    const job = { mb: 2, fastMs: 0, slowMs: 1200 };
    const [fast] = nodesOf(mod, "diamond", "grow");
    const run = await runRemote(mod, "diamond", job, url, { defaultGroup: g }, { report: true, delayedIoMaxMs: 150 });
    expect(run.result).toBe(direct.diamond(job));
    const use = run.report.tasks.find((t) => t.instanceId === fast)?.optimizations;
    expect(use?.delayedMs).toBeGreaterThanOrEqual(150);
    expect(use?.delayedMs).toBeLessThan(1000);
    expect(use?.bytesNotStored).toBeUndefined();
    expect(run.bytesWritten).toBeGreaterThan(2 * MiB);
    expect(run.bytesWritten).toBeLessThan(2 * 2 * MiB);
  });

  it("a fan-in of a 3 MiB and a 1.5 MiB input made on two workers runs where the larger one is; only the smaller one is stored; off, where the last one finished", async () => {
    const { group: g } = await group(2, SPREAD_ARGS);
    const job = { bigMb: 3, smallMb: 1.5, ms: 600 };
    const expected = direct.unevenFanIn(job);
    const [big, small] = nodesOf(mod, "unevenFanIn", "grow");
    const [pair] = nodesOf(mod, "unevenFanIn", "pair");
    const on = await runRemote(mod, "unevenFanIn", job, url, { defaultGroup: g }, { report: true });
    expect(on.result).toBe(expected);
    let at = workerOf(on.report);
    expect(at.get(big!)).not.toBe(at.get(small!));
    expect(at.get(pair!)).toBe(at.get(big!));
    expect(on.bytesWritten).toBeGreaterThan(1.5 * MiB);
    expect(on.bytesWritten).toBeLessThan(3 * MiB);
    expect(on.report.tasks.find((t) => t.instanceId === pair)?.optimizations?.fanInPlaced).toBe(true);
    expect(await leftoverRunKeys(redis, on.runId)).toEqual([]);

    const off = await runRemote(mod, "unevenFanIn", job, url, { defaultGroup: g }, { report: true, optimizations: OFF });
    expect(off.result).toBe(expected);
    at = workerOf(off.report);
    expect(at.get(pair!)).toBe(at.get(small!));
    expect(off.bytesWritten).toBeGreaterThan(4 * MiB);
    console.log(`uneven fan-in 3 + 1.5 MiB: ${on.bytesWritten} bytes stored with fan-in clustering, ${off.bytesWritten} without`);
  });

  it("a held output does not take the worker's capacity: with --max-held 1 it reads the other input's hand-off meanwhile, and both complete there with nothing stored", async () => {
    const { group: g } = await group(1, SPREAD_ARGS);
    const job = { bigMb: 2, smallMb: 1.5, ms: 100 };
    const [big] = nodesOf(mod, "unevenFanIn", "grow");
    const run = await runRemote(mod, "unevenFanIn", job, url, { defaultGroup: g }, { report: true, delayedIoMaxMs: 5000 });
    expect(run.result).toBe(direct.unevenFanIn(job));
    expect(run.bytesWritten).toBeLessThan(1024);
    // Held until the small input was made beside it, far less than delayedIoMaxMs.
    expect(run.report.tasks.find((t) => t.instanceId === big)?.optimizations?.delayedMs).toBeLessThan(4000);
  });

  it("SIGKILL of the worker holding a delayed output mid-delay: the output is made again elsewhere and the run completes", async () => {
    const { group: g, workers } = await group(2, SPREAD_ARGS);
    const job = { bigMb: 3, smallMb: 1.5, ms: 1500 };
    const expected = direct.unevenFanIn(job);
    const [big] = nodesOf(mod, "unevenFanIn", "grow");
    const seen = workers.map((w) => w.output().length);
    const running = runRemote(mod, "unevenFanIn", job, url, { defaultGroup: g }, { report: true, delayedIoMaxMs: 10_000 });
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 10_000;
    while (!victim && Date.now() < deadline) {
      victim = workers.find((w, i) => w.output().slice(seen[i]).includes(`task ${big} output held here (delayed I/O)`));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(victim).toBeDefined();
    victim!.child.kill("SIGKILL");
    started.push(await addWorker(url, g, SPREAD_ARGS));
    const run = await running;
    expect(run.result).toBe(expected);
    // The fan-in ran once (worker logs: one start line in all), on a live worker, with the big output made again.
    const [pair] = nodesOf(mod, "unevenFanIn", "pair");
    const startsOf = (w: WorkerProcess, id: string) =>
      w
        .output()
        .split("\n")
        .filter((l) => l.includes(`run ${run.runId} task ${id} start`)).length;
    expect(started.reduce((n, w) => n + startsOf(w, pair!), 0)).toBe(1);
    expect(startsOf(victim!, pair!)).toBe(0);
    expect(started.reduce((n, w) => n + startsOf(w, big!), 0)).toBe(2);
    expect(await leftoverRunKeys(redis, run.runId)).toEqual([]);
  });
});
