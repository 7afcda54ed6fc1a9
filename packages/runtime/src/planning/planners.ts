import { InvalidOptionError } from "@taskloom/sdk";
import type { PlanGraph } from "./plan-graph.js";
import { planContext, planReportOf, runPlanOf, simulatePlacement, type PlanContext, type PlanInput, type PlannedRun, type Planner } from "./planner.js";
import type { GraphSizes, Placement, SimulatedRun } from "./simulate.js";
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
  const position = new Map<number, number>();
  for (let i = 0; i < graph.size; i++) {
    const deps = graph.deps[i]!.filter((d) => groups[d] === groups[i]);
    if (deps.length === 0) {
      keys[i] = `k${i}`;
      continue;
    }
    let from = deps[0]!;
    for (const d of deps) if (sizes.outputBytes[d]! > sizes.outputBytes[from]! + RELATIVE_TOLERANCE) from = d;
    const pos = position.get(from) ?? 0;
    position.set(from, pos + 1);
    const threads = configs.get(groups[i]!)?.threads ?? 1;
    keys[i] = pos < threads ? keys[from]! : `${keys[from]}.${Math.floor(pos / threads)}`;
  }
  return keys;
}

/** The fastest configuration: the highest thread speed, then the most threads, then the least memory, then by name. */
export function fastestConfiguration(configs: readonly WorkerConfiguration[]): WorkerConfiguration | undefined {
  return [...byMemory(configs)].sort((a, b) => threadSpeed(b) - threadSpeed(a) || b.threads - a.threads)[0];
}

function noPlacementReason(input: PlanInput): string | undefined {
  if (!input.predictions.hasHistory) return "no history for this workflow yet: ran the default plan (it is recorded, so the next run can be planned)";
  if (input.configurations.length === 0) return "no worker configuration is published in Redis (is a dag-gateway running?): ran the default plan";
  return undefined;
}

function placed(name: string, ctx: PlanContext, groups: string[], started: number, withKeys: boolean, fallback?: string): PlannedRun {
  const placement: Placement = { groups, colocate: withKeys ? colocationKeys(ctx.input.graph, ctx.sizes, groups, ctx.configurations) : [] };
  const sim = simulatePlacement(ctx, placement);
  return { plan: runPlanOf(name, ctx.input.graph, placement), report: planReportOf(name, ctx.input, placement, sim, started, fallback) };
}

/** The default plan (WUKONG style): every task in the default group, no placement; its makespan is still predicted. */
export const wukongPlanner: Planner = {
  name: "wukong",
  plan(input) {
    const started = performance.now();
    const group = typeof input.options?.defaultGroup === "string" ? input.options.defaultGroup : "default";
    return placed(
      "wukong",
      planContext(input),
      input.graph.ids.map(() => group),
      started,
      false,
    );
  },
};

function fallbackTo(name: string, input: PlanInput, reason: string, started: number): PlannedRun {
  const run = wukongPlanner.plan(input);
  run.plan.planner = name;
  return { plan: run.plan, report: { ...run.report, planner: name, fallback: reason, planningMs: performance.now() - started } };
}

function uniformConfiguration(input: PlanInput): WorkerConfiguration {
  const wanted = input.options?.configuration;
  if (wanted === undefined) return fastestConfiguration(input.configurations)!;
  const found = input.configurations.find((c) => c.name === wanted);
  if (!found) {
    throw new InvalidOptionError(
      `planner uniform: configuration ${JSON.stringify(wanted)} is not published; known: ${input.configurations.map((c) => c.name).join(", ")}`,
    );
  }
  return found;
}

/** Every task on one configuration (the fastest, or `options.configuration`), with worker placement by co-location keys. */
export const uniformPlanner: Planner = {
  name: "uniform",
  plan(input) {
    const started = performance.now();
    const reason = noPlacementReason(input);
    if (reason) return fallbackTo("uniform", input, reason, started);
    const config = uniformConfiguration(input);
    return placed(
      "uniform",
      planContext(input),
      input.graph.ids.map(() => config.name),
      started,
      true,
    );
  },
};

/**
 * The critical path on the fastest configuration; the other instances moved, node by node in index
 * order, to the cheapest configuration (least memory) for which the predicted makespan stays within
 * `slackPct` (default 5) % of the all-fastest plan and the predicted cost goes down.
 */
export const nonUniformPlanner: Planner = {
  name: "non-uniform",
  plan(input) {
    const started = performance.now();
    const reason = noPlacementReason(input);
    if (reason) return fallbackTo("non-uniform", input, reason, started);
    const slack = input.options?.slackPct ?? 5;
    if (typeof slack !== "number" || !(slack >= 0))
      throw new InvalidOptionError(`planner non-uniform: slackPct must be a number >= 0, got ${JSON.stringify(slack)}`);
    const ctx = planContext(input);
    const { graph } = input;
    const fastest = fastestConfiguration(input.configurations)!;
    const groups = graph.ids.map(() => fastest.name);
    const keysOf = (gs: string[]) => colocationKeys(graph, ctx.sizes, gs, ctx.configurations);
    let best: SimulatedRun = simulatePlacement(ctx, { groups, colocate: keysOf(groups) });
    const limit = best.makespanMs * (1 + slack / 100) + TIME_TOLERANCE_MS;
    const critical = new Set(best.criticalPath);
    const units = new Map<string, number[]>();
    for (let i = 0; i < graph.size; i++) {
      if (critical.has(i)) continue;
      let u = units.get(graph.nodeIds[i]!);
      if (!u) units.set(graph.nodeIds[i]!, (u = []));
      u.push(i);
    }
    const cheaper = byMemory(input.configurations).filter((c) => c.memoryMb < fastest.memoryMb);
    for (const unit of units.values()) {
      for (const config of cheaper) {
        const trial = [...groups];
        for (const i of unit) trial[i] = config.name;
        const sim = simulatePlacement(ctx, { groups: trial, colocate: keysOf(trial) });
        const costDown = sim.cost.gbSeconds < best.cost.gbSeconds * (1 - RELATIVE_TOLERANCE);
        if (sim.makespanMs <= limit && costDown) {
          for (const i of unit) groups[i] = config.name;
          best = sim;
          break;
        }
      }
    }
    return placed("non-uniform", ctx, groups, started, true);
  },
};

/** The built-in planners by name. */
export const PLANNERS: Readonly<Record<string, Planner>> = { wukong: wukongPlanner, uniform: uniformPlanner, "non-uniform": nonUniformPlanner };

/** A planner option: a built-in name or a {@link Planner}; the message names the option and the value. */
export function resolvePlanner(value: unknown, option = "options.planner"): Planner {
  if (typeof value === "string" && PLANNERS[value]) return PLANNERS[value];
  if (typeof value === "object" && value !== null && typeof (value as Planner).plan === "function" && typeof (value as Planner).name === "string")
    return value as Planner;
  throw new InvalidOptionError(`${option} must be "wukong", "uniform", "non-uniform" or a Planner ({ name, plan }), got ${JSON.stringify(value)}`);
}
