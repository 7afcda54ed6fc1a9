import type { RunPlan } from "../scheduling/run-plan.js";
import type { PlanGraph } from "./plan-graph.js";
import type { PlanReport, PlannedConfiguration, PlannedTask } from "./plan-report.js";
import type { Predictions } from "./predictions.js";
import { InstanceCosts } from "./instance-costs.js";
import { graphSizes, simulate, type GraphSizes, type Placement, type PrewarmRequest, type SimulatedRun } from "./simulate.js";
import type { WorkerConfiguration } from "./worker-configuration.js";

/** What a planner is given: the run's instances, what the history predicts, the configurations a gateway publishes. */
export interface PlanInput {
  graph: PlanGraph;
  predictions: Predictions;
  configurations: readonly WorkerConfiguration[];
  /** Options of the built-in planners (`configuration` for `uniform`, `slackPct` for `non-uniform`); user planners may read their own. */
  options?: PlannerOptions;
}

export interface PlannerOptions {
  /** `uniform`: the configuration every task runs on (default: the fastest). */
  configuration?: string;
  /** `non-uniform`: how much slower than the all-fastest plan the plan may be, in percent (default 5). */
  slackPct?: number;
  /** `wukong`: the group of the default plan (default `default`, or the fastest configuration when none is named so). */
  defaultGroup?: string;
  [option: string]: unknown;
}

/** A planner's result: the placement the workers follow, and its predicted times. */
export interface PlannedRun {
  plan: RunPlan;
  report: PlanReport;
}

/**
 * A planner: graph + predictions + configurations → a {@link RunPlan} with predicted times. The
 * built-in `wukong`, `uniform` and `non-uniform` implement it; a user planner usually decides a
 * {@link Placement} and returns {@link plannedRun}`(name, input, placement)`, which simulates it.
 * @example
 * ```ts
 * const allSmall: Planner = {
 *   name: "all-small",
 *   plan: (input) => plannedRun("all-small", input, { groups: input.graph.ids.map(() => "small"), colocate: [] }),
 * };
 * await wf.run(x, { redis, planner: allSmall, report: true });
 * ```
 */
export interface Planner {
  readonly name: string;
  plan(input: PlanInput): PlannedRun;
}

/** A planning context shared by the simulations of one plan: the configurations by name and the instances' sizes. */
export interface PlanContext {
  input: PlanInput;
  configurations: ReadonlyMap<string, WorkerConfiguration>;
  sizes: GraphSizes;
  /** Each instance's predicted times per configuration, shared by the plan's simulations. */
  costs: InstanceCosts;
}

export function planContext(input: PlanInput): PlanContext {
  const configurations = new Map(input.configurations.map((c) => [c.name, c]));
  const sizes = graphSizes(input.graph, input.predictions);
  return { input, configurations, sizes, costs: new InstanceCosts(input.graph, input.predictions, sizes, configurations) };
}

export function simulatePlacement(ctx: PlanContext, placement: Placement, prewarm: readonly PrewarmRequest[] = []): SimulatedRun {
  return simulate(ctx.input.graph, ctx.input.predictions, ctx.configurations, placement, ctx.sizes, prewarm, ctx.costs);
}

/** The {@link RunPlan} of a placement: the most common group as the default, the others by instance id. */
export function runPlanOf(name: string, graph: PlanGraph, placement: Placement): RunPlan {
  const counts = new Map<string, number>();
  for (const g of placement.groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const defaultGroup = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? "default";
  const plan: RunPlan = { defaultGroup, planner: name };
  const groups: Record<string, string> = {};
  const colocate: Record<string, string> = {};
  let anyGroup = false;
  let anyKey = false;
  for (let i = 0; i < graph.size; i++) {
    if (placement.groups[i] !== defaultGroup) {
      groups[graph.ids[i]!] = placement.groups[i]!;
      anyGroup = true;
    }
    const key = placement.colocate[i];
    if (key !== undefined) {
      colocate[graph.ids[i]!] = key;
      anyKey = true;
    }
  }
  if (anyGroup) plan.groups = groups;
  if (anyKey) plan.colocate = colocate;
  return plan;
}

/** The report of a simulated placement (`report.plan`). */
export function planReportOf(name: string, input: PlanInput, placement: Placement, sim: SimulatedRun, planningStarted: number, fallback?: string): PlanReport {
  const { graph, predictions } = input;
  const tasks: Record<string, PlannedTask> = {};
  const configurations: Record<string, PlannedConfiguration> = {};
  let min = Number.POSITIVE_INFINITY;
  let total = 0;
  const without = new Set<string>();
  const perTask = new Map<string, number>();
  for (let i = 0; i < graph.size; i++) {
    const task: PlannedTask = {
      group: placement.groups[i]!,
      worker: sim.workers[sim.worker[i]!]?.name ?? "",
      startMs: sim.startMs[i]!,
      endMs: sim.endMs[i]!,
      executionMs: sim.executionMs[i]!,
      transferMs: sim.transferMs[i]!,
      coldStartMs: sim.coldStartMs[i]!,
      samples: sim.samples[i]!,
    };
    const key = placement.colocate[i];
    if (key !== undefined) task.colocate = key;
    tasks[graph.ids[i]!] = task;
    const c = (configurations[task.group] ??= { tasks: 0, workers: 0, gbSeconds: 0 });
    c.tasks++;
    if (!perTask.has(graph.tasks[i]!)) perTask.set(graph.tasks[i]!, predictions.samplesOf(graph.tasks[i]!));
  }
  for (const [task, count] of perTask) {
    min = Math.min(min, count);
    total += count;
    if (count === 0) without.add(task);
  }
  for (const w of sim.cost.workers) {
    const c = (configurations[w.configuration] ??= { tasks: 0, workers: 0, gbSeconds: 0 });
    c.workers++;
    c.gbSeconds += w.gbSeconds;
  }
  const report: PlanReport = {
    planner: name,
    sla: predictions.sla,
    predictedMakespanMs: sim.makespanMs,
    predictedCost: { gbSeconds: sim.cost.gbSeconds },
    samples: { min: Number.isFinite(min) ? min : 0, total, tasksWithout: [...without].sort() },
    criticalPath: sim.criticalPath.map((i) => graph.ids[i]!),
    configurations,
    tasks,
    planningMs: performance.now() - planningStarted,
    predictedInstances: graph.predicted,
  };
  if (fallback !== undefined) report.fallback = fallback;
  return report;
}

/** Simulates `placement` and returns the plan and its report: what a user planner returns. */
export function plannedRun(name: string, input: PlanInput, placement: Placement, fallback?: string, started = performance.now()): PlannedRun {
  const sim = simulatePlacement(planContext(input), placement);
  return { plan: runPlanOf(name, input.graph, placement), report: planReportOf(name, input, placement, sim, started, fallback) };
}
