import type { PlanGraph } from "./plan-graph.js";
import { planContext, planReportOf, runPlanOf, simulatePlacement, type PlanContext, type PlanInput, type PlannedRun } from "./planner.js";
import type { GraphSizes, Placement } from "./simulate.js";
import { byMemory, threadSpeed, type WorkerConfiguration } from "./worker-configuration.js";

/** Two predicted times closer than this (ms) are equal to planners: no decision rests on float equality. */
export const TIME_TOLERANCE_MS = 1e-6;
/** Relative tolerance of costs and makespans compared by planners. */
export const RELATIVE_TOLERANCE = 1e-9;

/**
 * Co-location keys for a placement's groups: each instance takes the key of its largest input's
 * producer (a chain stays on one worker, a fan-in goes to the worker holding its largest input)
 * when it is among the first `threads` dependents of that producer in its group; later fan-out
 * siblings are grouped by `threads` under keys of their own. Roots start keys of their own.
 */
export function colocationKeys(graph: PlanGraph, sizes: GraphSizes, groups: readonly string[], configs: ReadonlyMap<string, WorkerConfiguration>): string[] {
  const keys = new Array<string>(graph.size);
  // Dependents given their producer's key (or a sibling key) so far, per producer.
  const position = new Int32Array(graph.size);
  const threadsOf = new Map<string, number>();
  for (let i = 0; i < graph.size; i++) {
    const group = groups[i]!;
    let from = -1;
    for (const d of graph.deps[i]!) {
      if (groups[d] !== group) continue;
      if (from < 0 || sizes.outputBytes[d]! > sizes.outputBytes[from]! + RELATIVE_TOLERANCE) from = d;
    }
    if (from < 0) {
      keys[i] = `k${i}`;
      continue;
    }
    const pos = position[from]!;
    position[from] = pos + 1;
    let threads = threadsOf.get(group);
    if (threads === undefined) threadsOf.set(group, (threads = configs.get(group)?.threads ?? 1));
    keys[i] = pos < threads ? keys[from]! : `${keys[from]}.${Math.floor(pos / threads)}`;
  }
  return keys;
}

/** The fastest configuration: the highest thread speed, then the most threads, then the least memory, then by name. */
export function fastestConfiguration(configs: readonly WorkerConfiguration[]): WorkerConfiguration | undefined {
  return [...byMemory(configs)].sort((a, b) => threadSpeed(b) - threadSpeed(a) || b.threads - a.threads)[0];
}

export function noPlacementReason(input: PlanInput): string | undefined {
  if (!input.predictions.hasHistory) return "no history for this workflow yet: ran the default plan (it is recorded, so the next run can be planned)";
  if (input.configurations.length === 0) return "no worker configuration is published in Redis (is a dag-gateway running?): ran the default plan";
  return undefined;
}

export function placed(name: string, ctx: PlanContext, groups: string[], started: number, withKeys: boolean, fallback?: string): PlannedRun {
  const placement: Placement = { groups, colocate: withKeys ? colocationKeys(ctx.input.graph, ctx.sizes, groups, ctx.configurations) : [] };
  const sim = simulatePlacement(ctx, placement);
  return { plan: runPlanOf(name, ctx.input.graph, placement), report: planReportOf(name, ctx.input, placement, sim, started, fallback) };
}

/**
 * The group of the default plan: `default` when a configuration of that name is published (or
 * none is), else the fastest published one (a gateway without a `default` configuration serves
 * no `default` queue, and a run placed there would wait for good).
 */
export function defaultGroupOf(input: PlanInput): string {
  const { configurations } = input;
  if (configurations.length === 0 || configurations.some((c) => c.name === "default")) return "default";
  return fastestConfiguration(configurations)!.name;
}

/** The default plan under a planner's name, with the reason it was not placed (`report.plan.fallback`). */
export function fallbackTo(name: string, input: PlanInput, reason: string, started: number): PlannedRun {
  const group = defaultGroupOf(input);
  return placed(
    name,
    planContext(input),
    input.graph.ids.map(() => group),
    started,
    false,
    reason,
  );
}
