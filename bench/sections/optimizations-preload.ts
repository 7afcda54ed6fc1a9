/**
 * Pre-load in `npm run bench -- --only optimizations`: a fan-in of 8 slow producers of 4 MiB each
 * (finishing 60 ms apart) on 4 other `dag-worker` processes (group `prod`, 2 threads each); the
 * fan-in is planned on a worker of its own group (`home`) with a tiny first input (same
 * co-location key), as a planner places it. On: that worker reads each part as soon as it is
 * stored; off (`optimizations: { preload: false }`): the fan-in is handed off when its last part
 * is stored and reads all of them then. Per run: the fan-in's wait (its start − the last part's
 * end), its read of inputs after the claim (`inputFetchMs`: the transfer time), the makespan.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRemoteExecutor, type RemoteOutcome } from "../../packages/runtime/dist/client/remote/remote-executor.js";
import { resolveRunOptions } from "../../packages/runtime/dist/client/run-options.js";
import type { RunPlan } from "../../packages/runtime/dist/scheduling/run-plan.js";
import { compileForTest, createWorkDir } from "../../packages/runtime/test/local/compile-for-test.js";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { summarize } from "../lib/stats.js";

const FIXTURES = fileURLToPath(new URL("../../packages/runtime/test/optimizations/fixtures", import.meta.url));
const PARTS = 8;
const PART_MB = 4;

function worker(url: string, group: string): Promise<ChildProcess> {
  return startWorker(url, ["--group", group, "--max-held", "2"]);
}

interface Sample {
  waitMs: number;
  fetchMs: number;
  makespanMs: number;
  preloaded: number;
}

/** Runs the pre-load workload; returns printable lines. */
export async function benchPreload(options: { runs: number; warmup: number }): Promise<string[]> {
  const work = createWorkDir();
  const server = await startRedisServer();
  const workers: ChildProcess[] = [];
  try {
    const mod = (await compileForTest(work.dir, [{ dir: FIXTURES, entry: "optimization-tasks.ts", name: "opt" }])).get("opt")!;
    const direct = (await import(mod.source)).Opt as { gather(job: unknown): number };
    workers.push(await worker(server.url, "home"), ...(await Promise.all(Array.from({ length: 4 }, () => worker(server.url, "prod")))));
    const wf = mod.manifest.workflows.find((w) => w.name === "gather")!;
    const partNode = wf.nodes.flatMap((n) => (n.kind === "map" ? n.body.nodes : [n])).find((n) => n.kind === "task" && n.task.endsWith("#Opt.part"))!.id;
    const fanIn = wf.nodes.find((n) => n.kind === "task" && n.task.endsWith("#Opt.combine"))!.id;
    const groups: Record<string, string> = { [fanIn]: "home", [`${partNode}[0]`]: "home" };
    const plan: RunPlan = { defaultGroup: "prod", groups, colocate: { [fanIn]: "k", [`${partNode}[0]`]: "k" }, planner: "bench" };
    const job = {
      parts: [{ mb: 0.01, seed: 0, ms: 0 }, ...Array.from({ length: PARTS }, (_, i) => ({ mb: PART_MB, seed: i + 1, ms: 250 + 60 * i }))],
    };
    const expected = direct.gather(job);
    const once = async (off: boolean): Promise<Sample> => {
      const outcome = (await createRemoteExecutor(server.url, { plan }).run({
        manifest: mod.manifest,
        workflow: wf,
        bundleUrl: mod.bundleUrl,
        input: job,
        options: resolveRunOptions({ redis: server.url, report: true, ...(off ? { optimizations: { preload: false } } : {}) }, undefined),
      })) as RemoteOutcome;
      if (outcome.result !== expected) throw new Error(`pre-load bench: got ${String(outcome.result)}, expected ${expected} (${off ? "off" : "on"})`);
      const tasks = outcome.report.tasks;
      const f = tasks.find((t) => t.instanceId === fanIn)!;
      const lastPart = Math.max(...tasks.filter((t) => t.instanceId.startsWith(`${partNode}[`)).map((t) => t.finishedAt ?? 0));
      return {
        waitMs: (f.startedAt ?? 0) - lastPart,
        fetchMs: f.inputFetchMs,
        makespanMs: outcome.report.makespanMs,
        preloaded: f.optimizations?.preloaded ?? 0,
      };
    };
    for (let i = 0; i < options.warmup; i++) {
      await once(false);
      await once(true);
    }
    const on: Sample[] = [];
    const off: Sample[] = [];
    for (let i = 0; i < options.runs; i++) {
      for (const isOff of i % 2 === 0 ? [false, true] : [true, false]) (isOff ? off : on).push(await once(isOff));
    }
    const med = (xs: Sample[], f: (s: Sample) => number) => summarize(xs.map(f)).median;
    const waitOn = med(on, (s) => s.waitMs);
    const waitOff = med(off, (s) => s.waitMs);
    const transfer = med(off, (s) => s.fetchMs);
    const cut = summarize(off.map((s, i) => s.waitMs - on[i]!.waitMs)).median;
    return [
      `pre-load, fan-in of ${PARTS} slow producers × ${PART_MB} MiB on 4 other workers: fan-in wait (its start − last part's end) on ${waitOn.toFixed(1)} ms vs off ${waitOff.toFixed(1)} ms → cut ${cut.toFixed(1)} ms ` +
        `(median of ${on.length} paired rounds) vs transfer time ${transfer.toFixed(1)} ms (off: the fan-in's read of its ${PARTS} inputs after its claim; on: ${med(on, (s) => s.fetchMs).toFixed(1)} ms); ` +
        `makespan on ${med(on, (s) => s.makespanMs).toFixed(1)} ms vs off ${med(off, (s) => s.makespanMs).toFixed(1)} ms; on: ${on[0]!.preloaded} inputs pre-loaded. ` +
        `Goal: cut ≥ transfer time: ${cut >= transfer ? "met" : "NOT met"}.`,
    ];
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
    work.dispose();
  }
}
