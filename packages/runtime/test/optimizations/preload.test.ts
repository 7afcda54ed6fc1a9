/**
 * Pre-load on real `dag-worker` processes and a real redis-server: a fan-in the plan puts on the
 * worker of one of its inputs (same co-location key) runs there, with the inputs made on other
 * workers read while the slower ones were still being made; its own read after the claim is
 * empty. Off (with delayed I/O and clustering, which place fan-ins too), it runs where its last input was made and reads the others then. A SIGKILL of the
 * worker holding the pre-loaded inputs still completes the run, the fan-in runs once, and no
 * subscription or run key is left.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { createWorkDir } from "../local/compile-for-test.js";
import { stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";
import type { RunPlan } from "../../dist/scheduling/run-plan.js";
import { addWorker, compileOptimizationTasks, leftoverRunKeys, MiB, nodesOf, runRemote, startGroup, workerOf } from "./optimization-harness.js";

// A lease long enough that a busy machine never takes work from a live worker; one hand-off per worker.
const WORKER_ARGS = ["--lease-ms", "2500", "--max-held", "1"];

type Part = { mb: number; seed: number; ms: number };

describe("pre-load (dag-workers, planned fan-in)", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let redis: Redis;
  let gather: (job: { parts: Part[] }) => number;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    mod = await compileOptimizationTasks(work.dir);
    redis = new Redis(url);
    gather = (await import(mod.source)).Opt.gather;
  });
  afterAll(async () => {
    await stopWorkers(started);
    redis?.disconnect();
    work.dispose();
  });

  const group = async (count: number) => {
    const g = await startGroup(url, count, WORKER_ARGS);
    started.push(...g.workers);
    return g;
  };
  /** The plan: the fan-in and the first part share a key (the fan-in is planned on that part's worker). */
  const planOf = (g: string): RunPlan => {
    const [part] = nodesOf(mod, "gather", "part");
    const [combine] = nodesOf(mod, "gather", "combine");
    return { defaultGroup: g, colocate: { [`${part}[0]`]: "k", [combine!]: "k" }, planner: "test" };
  };
  const ids = () => ({
    part: nodesOf(mod, "gather", "part")[0]!,
    first: `${nodesOf(mod, "gather", "part")[0]}[0]`,
    fanIn: nodesOf(mod, "gather", "combine")[0]!,
  });
  /** Channels of the run still subscribed by anyone (PUBSUB CHANNELS), and subscribers of its events channel. */
  const subscriptions = async (runId: string) => {
    const channels = (await redis.call("PUBSUB", "CHANNELS", `tl:{${runId}}*`)) as string[];
    const numsub = (await redis.call("PUBSUB", "NUMSUB", `tl:{${runId}}:events`)) as [string, number];
    return { channels, subscribers: Number(numsub[1]) };
  };

  it("a fan-in of 4 × 2 MiB parts runs on the worker of its co-located part with the others pre-loaded there; off, where the last part ended", async () => {
    const { group: g } = await group(4);
    const job = { parts: [0, 1, 2, 3].map((i) => ({ mb: 2, seed: i, ms: i === 0 ? 0 : 700 })) };
    const expected = gather(job);
    const { part, first, fanIn } = ids();
    const on = await runRemote(mod, "gather", job, url, planOf(g), { report: true });
    expect(on.result).toBe(expected);
    const at = workerOf(on.report);
    expect(at.get(fanIn)).toBe(at.get(first));
    const f = on.report.tasks.find((t) => t.instanceId === fanIn)!;
    // Every input made elsewhere was read before the claim: nothing read from Redis after it.
    const elsewhere = job.parts.filter((_, i) => at.get(`${part}[${i}]`) !== at.get(fanIn)).length;
    expect(elsewhere).toBeGreaterThan(0);
    expect(f.optimizations?.preloaded).toBe(elsewhere);
    expect(on.report.optimizations?.preloaded).toBe(elsewhere);
    expect(f.inputSources.redis).toBe(0);
    expect(await subscriptions(on.runId)).toEqual({ channels: [], subscribers: 0 });
    expect(await leftoverRunKeys(redis, on.runId)).toEqual([]);

    const off = await runRemote(mod, "gather", job, url, planOf(g), { report: true, optimizations: { preload: false, delayedIo: false, clustering: false } });
    expect(off.result).toBe(expected);
    const f2 = off.report.tasks.find((t) => t.instanceId === fanIn)!;
    expect(f2.optimizations?.preloaded).toBeUndefined();
    expect(workerOf(off.report).get(fanIn)).not.toBe(workerOf(off.report).get(first));
    expect(f2.inputSources.redis).toBeGreaterThanOrEqual(2 * MiB);
    console.log(
      `pre-load, 4 × 2 MiB: fan-in read ${f.inputSources.redis} B from Redis after its claim with pre-load (${elsewhere} inputs pre-loaded), ${f2.inputSources.redis} B without`,
    );
  });

  it("no worker keeps a subscription once its runs end: PUBSUB NUMSUB of the events channel counts only the client while the run waits", async () => {
    const { group: g } = await group(2);
    const job = { parts: [0, 1, 2].map((i) => ({ mb: 0.5, seed: i, ms: i === 0 ? 0 : 900 })) };
    const running = runRemote(mod, "gather", job, url, planOf(g), { report: true });
    // While the slow parts run, the worker of the first part pre-loads: the client and it listen.
    let most = 0;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && most < 2) {
      const chans = (await redis.call("PUBSUB", "CHANNELS", "tl:{*}:events")) as string[];
      for (const c of chans) most = Math.max(most, Number(((await redis.call("PUBSUB", "NUMSUB", c)) as [string, number])[1]));
      await new Promise((r) => setTimeout(r, 20));
    }
    const run = await running;
    expect(run.result).toBe(gather(job));
    expect(most).toBe(2);
    expect(await subscriptions(run.runId)).toEqual({ channels: [], subscribers: 0 });
  });

  it("SIGKILL of the worker holding a part for its pre-loaded fan-in: the part is made again elsewhere, the fan-in runs once, the run completes", async () => {
    const { group: g, workers } = await group(3);
    const job = { parts: [0, 1, 2].map((i) => ({ mb: 1.5, seed: i, ms: i === 0 ? 0 : 1500 })) };
    const expected = gather(job);
    const { first, fanIn } = ids();
    const seen = workers.map((w) => w.output().length);
    const running = runRemote(mod, "gather", job, url, planOf(g), { report: true });
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 10_000;
    while (!victim && Date.now() < deadline) {
      victim = workers.find((w, i) => w.output().slice(seen[i]).includes(`task ${first} end, output held here for its pre-loaded fan-in`));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(victim).toBeDefined();
    victim!.child.kill("SIGKILL");
    started.push(await addWorker(url, g, WORKER_ARGS));
    const run = await running;
    expect(run.result).toBe(expected);
    const startsOf = (w: WorkerProcess, id: string) =>
      w
        .output()
        .split("\n")
        .filter((l) => l.includes(`run ${run.runId} task ${id} start`)).length;
    expect(started.reduce((n, w) => n + startsOf(w, fanIn), 0)).toBe(1);
    expect(startsOf(victim!, fanIn)).toBe(0);
    expect(started.reduce((n, w) => n + startsOf(w, first), 0)).toBe(2);
    expect(await subscriptions(run.runId)).toEqual({ channels: [], subscribers: 0 });
    expect(await leftoverRunKeys(redis, run.runId)).toEqual([]);
  });
});
