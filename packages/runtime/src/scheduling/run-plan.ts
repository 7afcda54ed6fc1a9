import type { TaskInstance } from "./task-instance.js";

/**
 * How a run is laid out on workers, as plain data (planners produce it; it travels in the run's
 * metadata). Each task instance runs in a worker group (a resource configuration) and may carry
 * a co-location key (instances with the same key prefer the same worker).
 *
 * Lookups go from the most to the least specific: instance id, then node id, then the default.
 */
export interface RunPlan {
  /** Group of every instance not listed. Default `"default"`. */
  defaultGroup: string;
  /** Worker group by instance id (`n3[2]`) or node id (`n3`). */
  groups?: Record<string, string>;
  /** Co-location key by instance id or node id. */
  colocate?: Record<string, string>;
  /** Name of the planner that made the plan (workers record it with each task's metrics). Default `wukong`. */
  planner?: string;
}

/** The default plan: every task in one group, nothing else assigned (WUKONG style). */
export function defaultPlan(group = "default"): RunPlan {
  return { defaultGroup: group };
}

/** The worker group of `instance` under `plan`. */
export function groupOf(plan: RunPlan, instance: Pick<TaskInstance, "id" | "nodeId">): string {
  return plan.groups?.[instance.id] ?? plan.groups?.[instance.nodeId] ?? plan.defaultGroup;
}

/** The co-location key of `instance` under `plan`, if any. */
export function colocationOf(plan: RunPlan, instance: Pick<TaskInstance, "id" | "nodeId">): string | undefined {
  return plan.colocate?.[instance.id] ?? plan.colocate?.[instance.nodeId];
}

/** Validates a plan read from a client or the store; the message names the field and the value. */
export function checkPlan(value: unknown): RunPlan {
  const plan = value as Partial<RunPlan> | null;
  if (typeof plan !== "object" || plan === null || typeof plan.defaultGroup !== "string" || plan.defaultGroup === "") {
    throw new Error(`plan.defaultGroup must be a non-empty string, got ${JSON.stringify(plan?.defaultGroup)}`);
  }
  if (plan.planner !== undefined && typeof plan.planner !== "string") {
    throw new Error(`plan.planner must be a string, got ${JSON.stringify(plan.planner)}`);
  }
  for (const field of ["groups", "colocate"] as const) {
    const map = plan[field];
    if (map === undefined) continue;
    if (typeof map !== "object" || map === null || Object.values(map).some((g) => typeof g !== "string")) {
      throw new Error(`plan.${field} must map instance or node ids to strings, got ${JSON.stringify(map)}`);
    }
  }
  return plan as RunPlan;
}
