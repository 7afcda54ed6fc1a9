/**
 * The `planners` section on a real gateway: a `dag-gateway` (started with `node <bin>`) with two
 * configurations of different `cpus` and memory, and four workloads: the critical-path workflow
 * (`bench/workflows/planned.ts`) and the examples GEMM, wordcount and image pipeline. Per workload:
 * one run without history (the default plan), one `uniform` run on `slow` (so that both
 * configurations have samples and warm workers), 3 warm-up runs per planner, then alternating
 * rounds: measured makespan and GB-seconds per planner, and the prediction error of the makespan
 * (|predicted − measured| / measured). Goals: prediction error median ≤ 10 %; non-uniform ≥ 25 %
 * cheaper than uniform (on the fastest configuration), ≤ 10 % slower.
 */
import { createRedisHistory, type RunOutcome } from "@taskloom/runtime";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { isDeepStrictEqual } from "node:util";
import { chunkTextInto } from "../../examples/common/chunk-text.js";
import { makeText } from "../../examples/common/make-text.js";
import { makeImage } from "../../examples/image-pipeline/make-image.js";
import { makeGemmInput } from "../lib/data-inputs.js";
import { startGateway } from "../lib/dag-worker.js";
import { summarize } from "../lib/stats.js";
import { loadHandle } from "../taskloom-local.js";

const CONFIGURATIONS = [
  { name: "fast", memoryMb: 1024, cpus: 1, threads: 2, maxWorkers: 2, keepAliveMs: 120_000 },
  { name: "slow", memoryMb: 256, cpus: 0.25, threads: 4, maxWorkers: 2, keepAliveMs: 120_000 },
];

type PlannedRun = (input: unknown, options: Record<string, unknown>) => Promise<RunOutcome<unknown>>;

/** A workload of the section: a workflow of a generated module and its input. */
interface Workload {
  name: string;
  source: string;
  workflow: string;
  input: () => unknown;
  shape: string;
}

const WORKLOADS: Workload[] = [
  {
    name: "criticalPath",
    source: "bench/workflows/planned.ts",
    workflow: "criticalPath",
    input: () => Array.from({ length: 24 }, (_, i) => i + 1),
    shape: "6 CPU-bound links beside 24 waits of 50 ms",
  },
  {
    name: "gemm",
    source: "examples/gemm/gemm.ts",
    workflow: "gemm",
    input: () => makeGemmInput().input,
    shape: "512² in 4 × 4 blocks: 16 multiplies, assemble",
  },
  {
    name: "wordcount",
    source: "examples/wordcount/wordcount.ts",
    workflow: "wordcount",
    input: () => chunkTextInto(makeText(1_000_000, 1), 16),
    shape: "1 MB in 16 chunks: tokenize → count, tree of merges",
  },
  {
    name: "image pipeline",
    source: "examples/image-pipeline/image-pipeline.ts",
    workflow: "imagePipeline",
    input: () => makeImage(640, 480, 1),
    shape: "640×480: 10 bands blur → grayscale, merge, checksum",
  },
];

interface Measured {
  ms: number[];
  gbs: number[];
  error: number[];
}

/** One workload: its warm-up runs and alternating rounds; the lines it prints and its measurements. */
async function benchWorkload(w: Workload, url: string, runs: number, warmup: number): Promise<{ lines: string[]; measured: Map<string, Measured> } | string> {
  const handle = await loadHandle<unknown, unknown>(w.source, w.workflow);
  if (typeof handle === "string") return `${w.name}: ${handle}`;
  const run = handle.run as unknown as PlannedRun;
  const input = w.input();
  let reference: unknown;
  const once = async (planner: string, plannerOptions?: Record<string, unknown>): Promise<RunOutcome<unknown>> => {
    const outcome = await run(input, { redis: url, planner, ...(plannerOptions ? { plannerOptions } : {}), report: true });
    if (reference === undefined) reference = outcome.result;
    else if (!isDeepStrictEqual(outcome.result, reference)) throw new Error(`${w.name} (${planner}): the result differs from the first run's`);
    return outcome;
  };
  const planners = ["uniform", "non-uniform"] as const;
  // The first run has no history: it runs the default plan (on fast). Then one on slow, so that
  // both configurations have samples and warm workers, then the warm-up runs.
  await once("uniform");
  await once("uniform", { configuration: "slow" });
  for (let k = 0; k < warmup; k++) for (const p of planners) await once(p);
  const measured = new Map<string, Measured>(planners.map((p) => [p, { ms: [], gbs: [], error: [] }]));
  for (let r = 0; r < runs; r++) {
    for (const p of r % 2 === 0 ? planners : [...planners].reverse()) {
      const { report } = await once(p);
      const m = measured.get(p)!;
      m.ms.push(report.makespanMs);
      m.gbs.push(report.cost.gbSeconds);
      m.error.push(Math.abs(report.plan!.predictedMakespanMs - report.makespanMs) / report.makespanMs);
    }
  }
  const lines = [`${w.name} (${w.shape}):`];
  for (const p of planners) {
    const m = measured.get(p)!;
    lines.push(
      `  ${p}: makespan ${summarize(m.ms).median.toFixed(0)} ms (${summarize(m.ms).min.toFixed(0)}–${summarize(m.ms).max.toFixed(0)}), ` +
        `${summarize(m.gbs).median.toFixed(3)} GB-s; prediction error median ${(summarize(m.error).median * 100).toFixed(1)} % (max ${(summarize(m.error).max * 100).toFixed(1)} %)`,
    );
  }
  const u = measured.get("uniform")!;
  const n = measured.get("non-uniform")!;
  const cost = summarize(n.gbs).median / summarize(u.gbs).median;
  const time = summarize(n.ms).median / summarize(u.ms).median;
  lines.push(
    `  non-uniform / uniform: cost ${cost.toFixed(2)}× (goal ≤ 0.75: ${cost <= 0.75 ? "met" : "NOT met"}), makespan ${time.toFixed(2)}× (goal ≤ 1.10: ${time <= 1.1 ? "met" : "NOT met"})`,
  );
  return { lines, measured };
}

export async function benchPlannersOnGateway(runs: number, warmup: number): Promise<string[]> {
  const redis = await startRedisServer();
  const gateway = await startGateway(redis.url, CONFIGURATIONS);
  try {
    const history = await createRedisHistory(redis.url);
    await history.clear();
    await history.close();
    const lines = [
      `gateway: fast (1 cpu, 1024 MB, 2 threads × 2 workers), slow (0.25 cpu, 256 MB, 4 threads × 2 workers); per workload 1 run without history, 1 uniform on slow, ${warmup} warm-up runs per planner, ${runs} alternating rounds`,
    ];
    const errors: number[] = [];
    for (const w of WORKLOADS) {
      const result = await benchWorkload(w, redis.url, runs, warmup);
      if (typeof result === "string") {
        lines.push(result);
        continue;
      }
      lines.push(...result.lines);
      for (const m of result.measured.values()) errors.push(...m.error);
    }
    const error = summarize(errors).median;
    lines.push(
      `prediction error median over every workload and planner: ${(error * 100).toFixed(1)} % of ${errors.length} runs (goal ≤ 10 %: ${error <= 0.1 ? "met" : "NOT met"})`,
    );
    return lines;
  } finally {
    gateway.kill("SIGTERM");
    await new Promise((r) => gateway.once("exit", r));
    await redis.stop();
  }
}
