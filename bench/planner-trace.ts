/**
 * Planned vs measured, task by task: the tool behind the planners section's analysis. On a private
 * redis-server and a `dag-gateway` with the section's two configurations, it runs one workload as
 * the section does (a run without history, one on `slow`, 3 warm-up runs per planner), then two
 * rounds of `uniform` and `non-uniform`, and prints for each run the predicted and measured
 * makespan and cost and, per task instance in start order, its measured times (queue, start, end,
 * execution, fetch, store, completion, bytes) beside the plan's (group, start, end, execution,
 * transfer, cold start, samples).
 *
 *   node --import tsx bench/planner-trace.ts [gemm|image]
 */
import { createRedisHistory, type RunOutcome } from "@taskloom/runtime";
import { makeImage } from "../examples/image-pipeline/make-image.js";
import { startRedisServer } from "../test/setup/redis-server.js";
import { makeGemmInput } from "./lib/data-inputs.js";
import { startGateway } from "./lib/dag-worker.js";
import { loadHandle } from "./taskloom-local.js";

const CONFIGURATIONS = [
  { name: "fast", memoryMb: 1024, cpus: 1, threads: 2, maxWorkers: 2, keepAliveMs: 120_000 },
  { name: "slow", memoryMb: 256, cpus: 0.25, threads: 4, maxWorkers: 2, keepAliveMs: 120_000 },
];
const WORKLOADS = {
  gemm: { source: "examples/gemm/gemm.ts", workflow: "gemm", input: () => makeGemmInput().input },
  image: { source: "examples/image-pipeline/image-pipeline.ts", workflow: "imagePipeline", input: () => makeImage(640, 480, 1) },
};

const which = process.argv[2] ?? "gemm";
const workload = WORKLOADS[which as keyof typeof WORKLOADS];
if (!workload) throw new RangeError(`planner-trace: unknown workload "${which}"; expected ${Object.keys(WORKLOADS).join(" or ")}`);
const handle = await loadHandle<unknown, unknown>(workload.source, workload.workflow);
if (typeof handle === "string") throw new Error(handle);
const run = handle.run as unknown as (input: unknown, options: Record<string, unknown>) => Promise<RunOutcome<unknown>>;
const redis = await startRedisServer();
const gateway = await startGateway(redis.url, CONFIGURATIONS);
const f = (ms: number | undefined): string => (ms ?? Number.NaN).toFixed(1);
try {
  const history = await createRedisHistory(redis.url);
  await history.clear();
  await history.close();
  const input = workload.input();
  const once = (planner: string, plannerOptions?: object) =>
    run(input, { redis: redis.url, planner, ...(plannerOptions ? { plannerOptions } : {}), report: true });
  await once("uniform");
  await once("uniform", { configuration: "slow" });
  for (let k = 0; k < 3; k++) for (const p of ["uniform", "non-uniform"]) await once(p);
  for (const p of ["uniform", "non-uniform", "uniform", "non-uniform"]) {
    const { report } = await once(p);
    const plan = report.plan!;
    console.log(
      `== ${p}: makespan predicted ${f(plan.predictedMakespanMs)} measured ${f(report.makespanMs)} ms; GB-s predicted ${plan.predictedCost.gbSeconds.toFixed(3)} measured ${report.cost.gbSeconds.toFixed(3)}; result read ${f(report.resultRead?.ms)} ms`,
    );
    const t0 = report.startedAt;
    for (const t of report.tasks) {
      const pt = plan.tasks[t.instanceId];
      console.log(
        `${t.instanceId.padEnd(10)} ${t.configuration.padEnd(5)} ${t.start} queued ${f(t.queuedAt - t0)} start ${f((t.startedAt ?? 0) - t0)} end ${f((t.finishedAt ?? 0) - t0)} | ` +
          `exec ${f(t.executionMs)} fetch ${f(t.inputFetchMs)} store ${f(t.outputStoreMs)} completion ${f(t.dependencyUpdateMs)} in ${t.inputBytes} out ${t.outputBytes} || ` +
          `plan ${pt?.group} start ${f(pt?.startMs)} end ${f(pt?.endMs)} exec ${f(pt?.executionMs)} transfer ${f(pt?.transferMs)} cold ${f(pt?.coldStartMs)} samples ${pt?.samples}`,
      );
    }
  }
} finally {
  gateway.kill("SIGTERM");
  await new Promise((r) => gateway.once("exit", r));
  await redis.stop();
}
