/**
 * `npm run bench`: Taskloom next to its baselines, measured in the same run, as ratios.
 *
 *   node --import tsx bench/run.ts [--runs 5] [--warmup N] [--only shapes,data,bodies,remote,planners,first-run,optimizations,scale,dashboard]
 *
 * Warm-up runs (untimed) default to 5 per system in the local sections and 3 in the remote one.
 *
 * Sections: S1/S2/S3 (direct, naive piscina, Dask threaded, Taskloom local), the data-heavy
 * examples (wordcount 5 MB, GEMM 512², direct vs Taskloom local) and the remote section
 * (`bench/remote/index.ts`, when present), the planners' planning time at 1k and 10k instances,
 * and scale (fan-outs of 10k to 1M instances: µs per task and bytes per instance, next to Dask).
 * Every timed run checks its result.
 */
import { availableParallelism, cpus } from "node:os";
import { parseArgs } from "node:util";
import { formatTable } from "./lib/table.js";
import { benchBodies } from "./sections/bodies.js";
import { benchDashboard } from "./sections/dashboard.js";
import { benchDataExamples } from "./sections/data-examples.js";
import { benchFirstRun } from "./sections/first-run.js";
import { benchLocalShapes } from "./sections/local-shapes.js";
import { benchPlanners } from "./sections/planners.js";
import { benchPlannersOnGateway } from "./sections/planners-gateway.js";
import { benchRemoteSection } from "./sections/remote.js";
import { benchMetricsUpload } from "./sections/metrics-upload.js";
import { benchOptimizations } from "./sections/optimizations.js";
import { benchScale } from "./sections/scale.js";
import { compileBenchModules } from "./taskloom-local.js";

const SECTIONS = ["shapes", "data", "bodies", "remote", "planners", "first-run", "optimizations", "scale", "dashboard"] as const;

function positive(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "5" }, warmup: { type: "string" }, only: { type: "string" } },
  });
  const runs = positive("runs", values.runs, 1);
  // Local sections: several warm-up runs per system, because V8 needs a few runs of a workload to
  // optimize its code (Taskloom's first runs are ~2-5× slower); the timed runs show the steady cost.
  const warmup = positive("warmup", values.warmup ?? "5", 0);
  const remoteWarmup = positive("warmup", values.warmup ?? "3", 0);
  const only = new Set(values.only?.split(",").map((s) => s.trim()) ?? SECTIONS);
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new RangeError(`--only: unknown section "${s}"; expected ${SECTIONS.join(", ")}`);
  }
  const options = { runs, warmup };
  console.log(`Taskloom benchmarks: ${warmup} warm-up (remote: ${remoteWarmup}) + ${runs} timed runs per system, medians quoted.`);
  console.log(`Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}.`);

  // Every section imports generated modules (`*.dag.ts`, not committed): compile them first, whatever runs.
  const compileError = await compileBenchModules();
  if (only.has("shapes")) {
    const { rows, notes } = await benchLocalShapes(options, compileError);
    console.log(`\n== Local scheduling shapes ==\n${formatTable(rows)}`);
    for (const note of notes) console.log(note);
    console.log("Goals: S1 ≥ 2× vs piscina naive and ≥ 4× vs dask; per-task cost far below one thread round trip (~40–60 µs).");
  }
  if (only.has("data")) {
    const { rows, notes } = await benchDataExamples(options, compileError);
    console.log(`\n== Data-heavy examples ==\n${formatTable(rows)}`);
    for (const note of notes) console.log(note);
    console.log(
      "Goals: taskloom local ≥ 1.6× vs direct sequential on 2 cores, and ≥ 0.95× vs the worker_threads split (split time / taskloom time: the share of the hand-written split's speed-up that taskloom gets).",
    );
  }
  if (only.has("bodies")) {
    const lines = await benchBodies(options, compileError);
    console.log(`\n== Workflow bodies: inline expressions vs tasks ==\n${lines.join("\n")}`);
    console.log("Goals: inline S1 at least as fast as the task version (task/inline ≥ 1) locally and remotely; inline x*2+1 under 5 µs per element.");
  }
  if (only.has("planners")) {
    // Planning is short and single-threaded: at least 9 timed rounds, so that the median resists a busy machine.
    const lines = benchPlanners({ runs: Math.max(9, runs), warmup: Math.max(3, warmup) });
    console.log(`\n== Planners: planning time (critical-path workload, 3 configurations) ==\n${lines.join("\n")}`);
    console.log("Goal: planning a 10,000-instance DAG under 100 ms with every planner.");
    const gateway = compileError ? [`gateway planners: ${compileError}`] : await benchPlannersOnGateway(runs, 3);
    console.log(`\n== Planners on a dag-gateway (measured) ==\n${gateway.join("\n")}`);
  }
  if (only.has("remote")) {
    console.log(`\n== Remote (dag-worker processes + Redis) ==\n${compileError ?? (await benchRemoteSection(runs, remoteWarmup))}`);
    const upload = await benchMetricsUpload(Math.max(5, runs), 1);
    console.log(`\n== Metrics upload strategies (a worker's MetricsSink on redis-server) ==\n${upload.join("\n")}`);
  }
  if (only.has("dashboard")) {
    const lines = await benchDashboard(runs, remoteWarmup, compileError);
    console.log(`\n== Dashboard: a dag-dashboard watching a remote S2 run ==\n${lines.join("\n")}`);
    console.log("Goal: S2 remote with a dashboard watching under 5 % slower than without.");
  }
  if (only.has("first-run")) {
    const lines = compileError ? [compileError] : await benchFirstRun(runs);
    console.log(`\n== First run in a fresh process (S2 handle: import, one run, then warm runs) ==\n${lines.join("\n")}`);
    console.log("Goals: the 1-task workflow's first run under 60 ms locally and under 40 ms remotely with warm workers.");
  }
  if (only.has("optimizations")) {
    const lines = compileError ? [compileError] : await benchOptimizations({ runs, warmup: remoteWarmup });
    console.log(`\n== Data-aware optimizations, on vs off (dag-worker processes + Redis) ==\n${lines.join("\n")}`);
  }
  if (only.has("scale")) {
    const lines = await benchScale({ runs, warmup: remoteWarmup }, compileError);
    console.log(`\n== Scale: fan-out + sum of 10k / 100k / 1M instances locally, 10k / 100k remotely ==\n${lines.join("\n")}`);
    console.log("Goal: at most 300 bytes per task instance in the client and in each worker.");
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  // Everything is printed: exit even if a baseline's client (BullMQ, Dask's pipe) still holds a socket.
  .finally(() => process.exit());
