import type { OptimizationName } from "../scheduling/optimizations.js";
import type { PlannedPrewarm } from "./plan-report.js";
import { planContext, planReportOf, simulatePlacement, type PlanInput, type PlannedRun } from "./planner.js";
import type { Placement, PrewarmRequest, SimulatedRun } from "./simulate.js";

/** Whether optimization `name` holds for instances of `task` (a task's id in the manifest). */
export type TaskSwitch = (name: OptimizationName, task: string) => boolean;

const ALL_ON: TaskSwitch = () => true;

/**
 * The pre-warm requests of a simulated run: each worker the run starts cold for work that becomes
 * ready after submission (its first task has inputs) is asked for one cold start before that
 * work is handed off (the predicted time minus the measured cold start; at submission at the
 * earliest), so that it is up, warm, when the work comes.
 */
export function prewarmRequestsOf(input: PlanInput, placement: Placement, sim: SimulatedRun, on: TaskSwitch = ALL_ON): PrewarmRequest[] {
  const first = new Int32Array(sim.workers.length).fill(-1);
  for (let i = 0; i < input.graph.size; i++) {
    const w = sim.worker[i]!;
    if (w >= 0 && (first[w]! < 0 || sim.startMs[i]! < sim.startMs[first[w]!]!)) first[w] = i;
  }
  const requests: PrewarmRequest[] = [];
  sim.workers.forEach((worker, w) => {
    const i = first[w]!;
    if (i < 0 || worker.coldStartMs <= 0 || input.graph.deps[i]!.length === 0 || !on("prewarm", input.graph.tasks[i]!)) return;
    // The simulated gateway started it when the work was handed off: a cold start before its first task.
    const neededAt = sim.startMs[i]! - worker.coldStartMs;
    if (neededAt <= 0) return;
    requests.push({ group: placement.groups[i]!, atMs: Math.max(0, neededAt - worker.coldStartMs) });
  });
  return requests.sort((a, b) => a.atMs - b.atMs);
}

/**
 * Adds pre-warm to a planned run: the plan's placement is simulated again with the gateway
 * starting each worker the run would start cold one cold start early; when that is faster, the
 * report's predictions are those of the pre-warmed run (`report.plan.prewarm` says what it asks
 * for and the gain), else the plan is unchanged.
 */
export function withPrewarm(input: PlanInput, planned: PlannedRun, on: TaskSwitch = ALL_ON): PlannedRun & { prewarm?: PlannedPrewarm } {
  const { report } = planned;
  const placement = placementOf(input, planned);
  if (report.fallback !== undefined || !placement) return planned;
  const ctx = planContext(input);
  const base = simulatePlacement(ctx, placement);
  const requests = prewarmRequestsOf(input, placement, base, on);
  if (requests.length === 0) return planned;
  const warm = simulatePlacement(ctx, placement, requests);
  if (warm.makespanMs >= base.makespanMs) return planned;
  const prewarm: PlannedPrewarm = { requests, withoutMs: base.makespanMs, gainMs: base.makespanMs - warm.makespanMs };
  const started = performance.now() - report.planningMs;
  return { plan: planned.plan, report: { ...planReportOf(report.planner, input, placement, warm, started), prewarm }, prewarm };
}

/** The placement a planned run's report describes (undefined when it does not name every instance). */
function placementOf(input: PlanInput, planned: PlannedRun): Placement | undefined {
  const { tasks } = planned.report;
  const ids = input.graph.ids;
  if (ids.some((id) => tasks[id] === undefined)) return undefined;
  return { groups: ids.map((id) => tasks[id]!.group), colocate: ids.map((id) => tasks[id]!.colocate) };
}

/**
 * The fan-ins of a plan whose inputs a worker pre-loads: instances with at least two inputs that
 * share their co-location key with one of them in the same group (the worker of that input runs
 * them and reads the others as they are stored).
 */
export function preloadedFanInsOf(input: PlanInput, planned: PlannedRun, on: TaskSwitch = ALL_ON): string[] {
  const placement = placementOf(input, planned);
  if (!placement) return [];
  const { graph } = input;
  const out: string[] = [];
  for (let i = 0; i < graph.size; i++) {
    const key = placement.colocate[i];
    const deps = graph.deps[i]!;
    if (key === undefined || deps.length < 2 || !on("preload", graph.tasks[i]!)) continue;
    if (deps.some((d) => placement.colocate[d] === key && placement.groups[d] === placement.groups[i] && graph.dependents[d]!.length === 1))
      out.push(graph.ids[i]!);
  }
  return out;
}

/**
 * The plan with what the optimization switches make of it: pre-warm simulated and counted
 * (`report.plan.prewarm`), the pre-loaded fan-ins listed (`report.plan.preloaded`). `on` says
 * whether a switch holds for a task (the run's explicit switch, else the task's own, else the
 * default): a worker whose first task switches pre-warm off is not pre-warmed, a fan-in that
 * switches pre-load off is not pre-loaded.
 */
export function withPlanOptimizations(input: PlanInput, planned: PlannedRun, on: TaskSwitch = ALL_ON): PlannedRun & { prewarm?: PlannedPrewarm } {
  const out = withPrewarm(input, planned, on);
  const fanIns = preloadedFanInsOf(input, out, on);
  return fanIns.length > 0 ? { ...out, report: { ...out.report, preloaded: fanIns } } : out;
}
