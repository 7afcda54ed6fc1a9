import { InvalidOptionError } from "@taskloom/sdk";
import { colocationKeys, fallbackTo, fastestConfiguration, noPlacementReason, RELATIVE_TOLERANCE, TIME_TOLERANCE_MS } from "./placement-rules.js";
import { planContext, planReportOf, runPlanOf, simulatePlacement, type PlannedRun, type Planner } from "./planner.js";
import { ScheduleModel } from "./schedule-model.js";
import type { PlanGraph } from "./plan-graph.js";
import type { ConfigurationCosts } from "./instance-costs.js";
import type { Placement, SimulatedRun } from "./simulate.js";
import { byMemory } from "./worker-configuration.js";

/** Default of the `slackPct` planner option: the plan may be this much slower than the all-fastest one, in percent. */
export const DEFAULT_SLACK_PCT = 5;

/** Simulations of candidate plans after the all-fastest one, at most (each one's error corrects the next one's budget). */
export const MAX_TRIALS = 4;

interface Attempt {
  placement: Placement;
  sim: SimulatedRun;
}

/**
 * Moves the instances off the critical path, in the order they became ready in the base
 * simulation, each to the cheapest configuration on which the run still ends by `budgetMs` (its
 * predicted end, starting once the work given to that configuration before it could be done by
 * its worker slots, plus the longest time the run goes on after it) and its GB-seconds go down.
 * Exact for the schedule's DAG of durations: each path is checked at the last instance moved on it.
 */
function moveOffCritical(
  model: ScheduleModel,
  graph: PlanGraph,
  base: SimulatedRun,
  fastest: ConfigurationCosts,
  cheaper: readonly ConfigurationCosts[],
  budgetMs: number,
): string[] {
  const critical = new Uint8Array(graph.size);
  for (const i of base.criticalPath) critical[i] = 1;
  // Work given to each cheaper configuration so far: an instance moved there starts once it is done.
  const load = new Float64Array(cheaper.length);
  const gb = (c: ConfigurationCosts, ms: number) => (c.config.memoryMb / 1024) * ms;
  for (const i of model.readyOrder()) {
    const fastEnd = model.endMs(i, fastest);
    let finish = model.lastFinishMs;
    let placedOn = fastest;
    if (!critical[i]) {
      const fastCost = gb(fastest, fastEnd - model.lastStartMs);
      for (let k = 0; k < cheaper.length; k++) {
        const c = cheaper[k]!;
        const end = model.endMs(i, c, model.drainedAtMs(c, load[k]!));
        const busy = end - model.lastStartMs;
        if (end + model.tailMs[i]! > budgetMs + TIME_TOLERANCE_MS) continue;
        if (!(gb(c, busy) < fastCost * (1 - RELATIVE_TOLERANCE))) continue;
        load[k] = load[k]! + busy;
        placedOn = c;
        finish = model.lastFinishMs;
        break;
      }
    }
    model.place(i, placedOn, finish);
  }
  return model.groups;
}

/**
 * The critical path on the fastest configuration; every other instance moved to the cheapest
 * configuration for which the predicted makespan stays within `slackPct` (default 5) % of the
 * all-fastest plan. One simulation of the all-fastest plan gives the schedule's slack; the moves
 * are decided on it in one pass ({@link moveOffCritical}) and confirmed by simulating the plan
 * (queues, cold starts and capacity included); a plan the simulation finds too slow is made again
 * with a budget shrunk by its overshoot, one that is not cheaper with less slack, at most
 * {@link MAX_TRIALS} times; else the all-fastest plan is kept.
 * Deterministic: a stable order, configurations by memory then name, tolerances instead of float equality.
 */
export const nonUniformPlanner: Planner = {
  name: "non-uniform",
  plan(input): PlannedRun {
    const started = performance.now();
    const reason = noPlacementReason(input);
    if (reason) return fallbackTo("non-uniform", input, reason, started);
    const slack = input.options?.slackPct ?? DEFAULT_SLACK_PCT;
    if (typeof slack !== "number" || !(slack >= 0) || !Number.isFinite(slack))
      throw new InvalidOptionError(`planner non-uniform: slackPct must be a finite number >= 0, got ${JSON.stringify(slack)}`);
    const ctx = planContext(input);
    const { graph } = input;
    const fastest = fastestConfiguration(input.configurations)!;
    const keysOf = (groups: readonly string[]) => colocationKeys(graph, ctx.sizes, groups, ctx.configurations);
    const allFastest = graph.ids.map(() => fastest.name);
    const basePlacement: Placement = { groups: allFastest, colocate: keysOf(allFastest) };
    let best: Attempt = { placement: basePlacement, sim: simulatePlacement(ctx, basePlacement) };
    const base = best.sim;
    const limit = base.makespanMs * (1 + slack / 100) + TIME_TOLERANCE_MS;
    const cheaper = byMemory(input.configurations)
      .filter((c) => c.memoryMb < fastest.memoryMb)
      .map((c) => ctx.costs.of(c.name));
    // The moves' budget starts at the limit and shrinks by twice each trial's overshoot (what the
    // schedule model missed: queues, cold starts), so that the next moves leave room for it; a plan
    // in time that costs no less halves the budget's slack.
    let budget = limit;
    const model = cheaper.length > 0 ? new ScheduleModel(ctx.costs, base, fastest.name) : undefined;
    for (let trial = 0; model && trial < MAX_TRIALS; trial++) {
      model.reset();
      const groups = [...moveOffCritical(model, graph, base, ctx.costs.of(fastest.name), cheaper, budget)];
      const placement: Placement = { groups, colocate: keysOf(groups) };
      const sim = simulatePlacement(ctx, placement);
      if (sim.makespanMs > limit) budget -= 2 * (sim.makespanMs - limit);
      else if (sim.cost.gbSeconds < base.cost.gbSeconds * (1 - RELATIVE_TOLERANCE)) {
        best = { placement, sim };
        break;
      } else {
        // In time but no cheaper (workers held longer for the moved tasks): move less.
        budget = base.makespanMs + (budget - base.makespanMs) / 2;
      }
    }
    return {
      plan: runPlanOf("non-uniform", graph, best.placement),
      report: planReportOf("non-uniform", input, best.placement, best.sim, started),
    };
  },
};
