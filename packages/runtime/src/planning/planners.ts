import { InvalidOptionError } from "@taskloom/sdk";
import { nonUniformPlanner } from "./non-uniform.js";
import { defaultGroupOf, fallbackTo, fastestConfiguration, noPlacementReason, placed } from "./placement-rules.js";
import { planContext, type PlanInput, type Planner } from "./planner.js";
import type { WorkerConfiguration } from "./worker-configuration.js";

export { colocationKeys, fastestConfiguration, RELATIVE_TOLERANCE, TIME_TOLERANCE_MS } from "./placement-rules.js";
export { nonUniformPlanner } from "./non-uniform.js";

/** The default plan (WUKONG style): every task in the default group (`default`, see {@link defaultGroupOf}), no placement; its makespan is still predicted. */
export const wukongPlanner: Planner = {
  name: "wukong",
  plan(input) {
    const started = performance.now();
    const group = typeof input.options?.defaultGroup === "string" ? input.options.defaultGroup : defaultGroupOf(input);
    return placed(
      "wukong",
      planContext(input),
      input.graph.ids.map(() => group),
      started,
      false,
    );
  },
};

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

/** The built-in planners by name. */
export const PLANNERS: Readonly<Record<string, Planner>> = { wukong: wukongPlanner, uniform: uniformPlanner, "non-uniform": nonUniformPlanner };

/** A planner option: a built-in name or a {@link Planner}; the message names the option and the value. */
export function resolvePlanner(value: unknown, option = "options.planner"): Planner {
  if (typeof value === "string" && PLANNERS[value]) return PLANNERS[value];
  if (typeof value === "object" && value !== null && typeof (value as Planner).plan === "function" && typeof (value as Planner).name === "string")
    return value as Planner;
  throw new InvalidOptionError(`${option} must be "wukong", "uniform", "non-uniform" or a Planner ({ name, plan }), got ${JSON.stringify(value)}`);
}
