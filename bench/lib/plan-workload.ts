/**
 * A critical-path planning workload of any size, as plain data: a CPU-heavy chain beside a wide
 * fan-out of short I/O-like fetches, each followed by a short CPU-bound parse, all joined by one
 * reducer; with a recorded history and three configurations (fast, medium, small).
 */
import { buildPredictions, planGraphOf, type HistorySamples, type PlanInput, type TaskSample, type WorkerConfiguration } from "@taskloom/runtime";

const HEAVY_CHAIN = 20;

function sample(executionMs: number, cpu: number): TaskSample {
  return {
    at: 1,
    inputBytes: 1000,
    outputBytes: 1000,
    executionMs,
    queueWaitMs: 1,
    fetchMs: 0.2,
    fetchBytes: 1000,
    storeMs: 0.2,
    storeBytes: 1000,
    updateMs: 0.1,
    cold: false,
    cpu,
  };
}

/** Per task: execution ms on `fast` and its CPU share (the heavy chain and the parses are CPU bound). */
const TASKS: Record<string, [ms: number, cpu: number]> = { split: [1, 0.5], heavy: [100, 0.95], fetch: [5, 0.05], parse: [3, 0.9], end: [2, 0.5] };

function history(): HistorySamples {
  return {
    structure: "bench-planners",
    workflow: "criticalPath",
    runs: 3,
    tasks: Object.entries(TASKS).map(([task, [ms, cpu]]) => ({
      task,
      configuration: "fast",
      count: 16,
      // Spread around the mean so that percentiles differ from it.
      samples: Array.from({ length: 16 }, (_, k) => sample(ms * (0.9 + (k % 5) * 0.05), cpu)),
    })),
    transfers: {},
    lengths: {},
  };
}

const configuration = (name: string, memoryMb: number, cpus: number): WorkerConfiguration => ({
  name,
  memoryMb,
  cpus,
  cpusEnforced: true,
  threads: 2,
  maxWorkers: 8,
  keepAliveMs: 60_000,
  warmWorkers: [30_000, 30_000],
});

/** The configurations of the workload's gateway. */
export const PLAN_CONFIGURATIONS: readonly WorkerConfiguration[] = [
  configuration("fast", 2048, 2),
  configuration("medium", 1024, 1),
  configuration("small", 512, 0.5),
];

/** A planner input of about `instances` instances: split → (fetch → parse) × k → end, and a chain of 20 heavy tasks into end. */
export function criticalPathInput(instances: number): PlanInput {
  const pairs = Math.max(1, Math.floor((instances - HEAVY_CHAIN - 2) / 2));
  const tasks: string[] = ["split"];
  const deps: number[][] = [[]];
  for (let k = 0; k < HEAVY_CHAIN; k++) {
    tasks.push("heavy");
    deps.push(k === 0 ? [] : [tasks.length - 2]);
  }
  const lastHeavy = tasks.length - 1;
  const parses: number[] = [];
  for (let k = 0; k < pairs; k++) {
    tasks.push("fetch");
    deps.push([0]);
    tasks.push("parse");
    deps.push([tasks.length - 2]);
    parses.push(tasks.length - 1);
  }
  tasks.push("end");
  deps.push([lastHeavy, ...parses]);
  return {
    graph: planGraphOf(tasks, deps),
    predictions: buildPredictions({
      history: history(),
      configurations: PLAN_CONFIGURATIONS,
      starts: Object.fromEntries(PLAN_CONFIGURATIONS.map((c) => [c.name, { cold: [350, 400, 450], warm: [1, 1.5, 2] }])),
      sla: "p90",
    }),
    configurations: PLAN_CONFIGURATIONS,
  };
}
