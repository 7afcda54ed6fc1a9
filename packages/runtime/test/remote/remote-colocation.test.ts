/**
 * Co-location keys of the run plan on real `dag-worker` processes: a worker that completes a task
 * continues every ready dependent with the same key itself (none is handed to another worker);
 * without keys the same fan-out spreads. A worker killed with SIGKILL while it runs co-located
 * chains loses nothing: its delivery is claimed by the other worker after the lease.
 */
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type { GraphNode } from "@taskloom/sdk/internal";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunPlan } from "../../dist/scheduling/run-plan.js";
import type { RunReport } from "../../dist/index.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, tasksStarted, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const WORKER_ARGS = ["--lease-ms", "1000", "--max-held", "4"];

/** Runs `workflow` remotely under `plan`, with its report. */
async function runWithPlan(
  mod: CompiledModule,
  workflow: string,
  input: unknown,
  url: string,
  plan: RunPlan,
): Promise<{ result: unknown; report: RunReport; runId: string }> {
  const outcome = await runRemoteOutcome(mod, workflow, input, url, { plan });
  return { result: outcome.result, report: outcome.report, runId: outcome.runId };
}

/** The id of the task node calling `method` (`Remote.range`), map bodies included. */
function nodeOf(nodes: readonly GraphNode[], method: string): string | undefined {
  for (const n of nodes) {
    if (n.kind === "task" && n.task.endsWith(`#${method}`)) return n.id;
    const inner = n.kind === "map" ? nodeOf(n.body.nodes, method) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** Keys of run `runId` left in Redis, metrics excepted (other test files run beside this one). */
async function leftoverRunKeys(redis: Redis, runId: string): Promise<string[]> {
  const keys = await redis.keys(`tl:{${runId}}*`);
  return keys.filter((k) => !k.endsWith(":metrics"));
}

/** Instances of `nodeId` per worker that ran them, and the worker that ran `producer`. */
function placement(report: RunReport, producer: string, nodeId: string): { producerWorker: string; perWorker: Map<string, number>; count: number } {
  const perWorker = new Map<string, number>();
  let count = 0;
  let producerWorker = "";
  for (const t of report.tasks) {
    if (t.instanceId === producer) producerWorker = t.worker ?? "";
    if (!t.instanceId.startsWith(`${nodeId}[`)) continue;
    count++;
    perWorker.set(t.worker ?? "", (perWorker.get(t.worker ?? "") ?? 0) + 1);
  }
  return { producerWorker, perWorker, count };
}

describe("co-location keys on two dag-worker processes", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let workers: WorkerProcess[] = [];
  let redis: Redis;
  let producer: string;
  let mapped: string;
  let keyed: RunPlan;

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "remote-tasks.ts", name: "remote" }])).get("remote")!;
    const wf = mod.manifest.workflows.find((w) => w.name === "slowFan")!;
    producer = nodeOf(wf.nodes, "Remote.range")!;
    mapped = nodeOf(wf.nodes, "Remote.slowInc")!;
    expect(producer).toBeDefined();
    expect(mapped).toBeDefined();
    keyed = { defaultGroup: "default", colocate: { [producer]: "fan", [mapped]: "fan" } };
    workers = await startWorkers(url, 2, WORKER_ARGS);
    redis = new Redis(url);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    redis?.disconnect();
    work.dispose();
  });

  it("every instance with the producer's key runs on the producer's worker; without keys the fan-out spreads", async () => {
    const expected = await mod.handle("slowFan").run(40);
    expect(expected).toBe((40 * 41) / 2);

    const plain = await runWithPlan(mod, "slowFan", 40, url, { defaultGroup: "default" });
    expect(plain.result).toBe(expected);
    const spread = placement(plain.report, producer, mapped);
    console.log(`without keys: ${mapped} instances per worker ${JSON.stringify([...spread.perWorker.values()])}`);
    expect(spread.count).toBe(40);
    // Each worker holds at most 4 hand-offs (--max-held 4): the other worker takes part of the fan-out.
    expect(spread.perWorker.size).toBe(2);
    expect(await leftoverRunKeys(redis, plain.runId)).toEqual([]);

    for (let i = 0; i < 3; i++) {
      const run = await runWithPlan(mod, "slowFan", 40, url, keyed);
      expect(run.result).toBe(expected);
      const at = placement(run.report, producer, mapped);
      console.log(`with key "fan": ${mapped} instances per worker ${JSON.stringify([...at.perWorker.values()])}`);
      expect(at.count).toBe(40);
      expect(at.producerWorker).not.toBe("");
      expect([...at.perWorker.keys()]).toEqual([at.producerWorker]);
      expect(await leftoverRunKeys(redis, run.runId)).toEqual([]);
    }
  });

  it("a key on the dependents alone (not on the producer) leaves the fan-out handled as without a plan", async () => {
    // The producer carries no key: its dependents are handled as without a plan (and still right).
    const half = await runWithPlan(mod, "slowFan", 40, url, { defaultGroup: "default", colocate: { [mapped]: "fan" } });
    expect(half.result).toBe((40 * 41) / 2);
    expect(placement(half.report, producer, mapped).perWorker.size).toBe(2);
    expect(await leftoverRunKeys(redis, half.runId)).toEqual([]);
  });

  it("a worker killed with SIGKILL while it runs co-located chains: the other claims its work after the lease", async () => {
    const n = 300;
    const expected = (n * (n + 1)) / 2;
    const started = workers.map((w) => tasksStarted(w.output()));
    const remote = runWithPlan(mod, "slowFan", n, url, keyed);
    const deadline = Date.now() + 10_000;
    let victim: WorkerProcess | undefined;
    while (!victim && Date.now() < deadline) {
      victim = workers.find((w, i) => tasksStarted(w.output()) >= started[i]! + 30);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(victim).toBeDefined();
    victim!.child.kill("SIGKILL");
    const run = await remote;
    expect(run.result).toBe(expected);
    expect(await leftoverRunKeys(redis, run.runId)).toEqual([]);
    workers = [...workers.filter((w) => w !== victim), ...(await startWorkers(url, 1, WORKER_ARGS))];
  });
});
