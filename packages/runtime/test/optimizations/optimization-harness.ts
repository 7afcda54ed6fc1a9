/**
 * Test helper for the data-aware optimizations: compiles the fixture workflows, starts real
 * `dag-worker` processes serving a group of their own (other test files' workers share the test
 * Redis), runs workflows on them with run options and reads what the run left in Redis.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { GraphNode } from "@taskloom/sdk/internal";
import type { Redis } from "ioredis";
import { createRemoteExecutor, type RemoteOutcome } from "../../dist/client/remote/remote-executor.js";
import { resolveRunOptions, type RunOptions } from "../../dist/client/run-options.js";
import type { RunPlan } from "../../dist/scheduling/run-plan.js";
import type { RunReport } from "../../dist/index.js";
import { compileForTest, type CompiledModule } from "../local/compile-for-test.js";
import { startWorkers, type WorkerProcess } from "../remote/worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));

/** Compiles `fixtures/optimization-tasks.ts` into `dir`. */
export async function compileOptimizationTasks(dir: string): Promise<CompiledModule> {
  return (await compileForTest(dir, [{ dir: fixtures, entry: "optimization-tasks.ts", name: "opt" }])).get("opt")!;
}

/** A worker group of its own, and `count` workers serving it. */
export async function startGroup(url: string, count: number, extra: string[] = []): Promise<{ group: string; workers: WorkerProcess[] }> {
  const group = `opt-${randomUUID().slice(0, 8)}`;
  return { group, workers: await startWorkers(url, count, ["--group", group, ...extra]) };
}

/** Starts one more worker of `group`. */
export async function addWorker(url: string, group: string, extra: string[] = []): Promise<WorkerProcess> {
  return (await startWorkers(url, 1, ["--group", group, ...extra]))[0]!;
}

/** What a remote run of a fixture workflow gave. */
export interface OptimizedRun {
  result: unknown;
  report: RunReport;
  runId: string;
  bytesWritten: number;
}

/** Runs `workflow` on the workers of `plan.defaultGroup` with run options `options` (optimizations etc.). */
export async function runRemote(
  mod: CompiledModule,
  workflow: string,
  input: unknown,
  url: string,
  plan: RunPlan,
  options: RunOptions = {},
): Promise<OptimizedRun> {
  const outcome = (await createRemoteExecutor(url, { plan }).run({
    manifest: mod.manifest,
    workflow: mod.manifest.workflows.find((w) => w.name === workflow)!,
    bundleUrl: mod.bundleUrl,
    input,
    options: resolveRunOptions({ redis: url, ...options }, undefined),
  })) as RemoteOutcome;
  return { result: outcome.result, report: outcome.report, runId: outcome.runId, bytesWritten: outcome.bytesWritten };
}

/** Ids of the task nodes calling `method` (`Opt.digest`), map bodies included, in graph order. */
export function nodesOf(mod: CompiledModule, workflow: string, method: string): string[] {
  const out: string[] = [];
  const visit = (nodes: readonly GraphNode[]): void => {
    for (const n of nodes) {
      if (n.kind === "task" && n.task.endsWith(`#Opt.${method}`)) out.push(n.id);
      if (n.kind === "map") visit(n.body.nodes);
    }
  };
  visit(mod.manifest.workflows.find((w) => w.name === workflow)!.nodes);
  return out;
}

/** The worker that ran each instance of the report. */
export function workerOf(report: RunReport): Map<string, string> {
  return new Map(report.tasks.map((t) => [t.instanceId, String(t.worker)]));
}

/** Keys of run `runId` left in Redis, metrics excepted. */
export async function leftoverRunKeys(redis: Redis, runId: string): Promise<string[]> {
  return (await redis.keys(`tl:{${runId}}*`)).filter((k) => !k.endsWith(":metrics"));
}

export const MiB = 1048576;
