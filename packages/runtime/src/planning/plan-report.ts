import type { Sla } from "./sla.js";

/** What a plan predicts for one task instance (`report.plan.tasks[instanceId]`). */
export interface PlannedTask {
  /** Worker group (configuration) it runs in. */
  group: string;
  /** Its co-location key, if any: dependents with the same key continue on the worker that made them ready. */
  colocate?: string;
  /** The worker the simulation put it on (`<configuration>#<n>`), for drawing and comparing. */
  worker: string;
  /** Predicted start and end, in ms after the run's submission. */
  startMs: number;
  endMs: number;
  /** Predicted execution time, and time moving its inputs and output through Redis (ms). */
  executionMs: number;
  transferMs: number;
  /** Cold start of a new worker it waited for (ms), else 0. */
  coldStartMs: number;
  /** Samples its execution prediction rests on (0: a guess, or a scaling from another configuration). */
  samples: number;
}

/** What pre-warm adds to a plan (`report.plan.prewarm`). */
export interface PlannedPrewarm {
  /** Workers the gateway is asked to start early: group and time after submission (ms). */
  requests: { group: string; atMs: number }[];
  /** Predicted makespan without pre-warm (the plan's `predictedMakespanMs` counts the gain), ms. */
  withoutMs: number;
  /** Predicted gain: `withoutMs − predictedMakespanMs`. */
  gainMs: number;
}

/** One configuration's share of a plan. */
export interface PlannedConfiguration {
  tasks: number;
  workers: number;
  gbSeconds: number;
}

/**
 * What a planner predicts for a run, as `report.plan` holds it. The placement itself (a
 * {@link RunPlan}: groups and co-location keys) travels to the workers; this stays with the client
 * and the history.
 */
export interface PlanReport {
  /** Name of the planner that made it (`wukong`, `uniform`, `non-uniform`, or a user planner's). */
  planner: string;
  sla: Sla;
  /** Set when the planner fell back to the default plan, saying why (no history, no configuration …). */
  fallback?: string;
  predictedMakespanMs: number;
  predictedCost: { gbSeconds: number };
  /** Samples the predictions rest on: the fewest behind any task, the total, and tasks with none. */
  samples: { min: number; total: number; tasksWithout: string[] };
  /** Instance ids on the critical path, first to last. */
  criticalPath: string[];
  configurations: Record<string, PlannedConfiguration>;
  tasks: Record<string, PlannedTask>;
  /** Time spent planning, in ms. */
  planningMs: number;
  /** Instances planned from predicted fan-out lengths (not yet known at submission). */
  predictedInstances: number;
  /** Pre-warm: the workers asked for early and the predicted gain (counted in `predictedMakespanMs`). */
  prewarm?: PlannedPrewarm;
  /** Pre-load: the fan-ins whose inputs the worker of a co-located input reads while they are made. */
  preloaded?: string[];
}
