import type { PlanReport } from "../planning/plan-report.js";
import type { Sla } from "../planning/sla.js";
import type { RunReport } from "../report/run-report.js";
import type { TaskSample, TransferSample } from "../planning/samples.js";

export type { HistorySamples, TaskHistory, TaskSample, TransferSample } from "../planning/samples.js";

/** One run in the history's list of runs. */
export interface HistoryRunSummary {
  runId: string;
  /** Start of the run, ms since the epoch. */
  at: number;
  workflow: string;
  executor: "local" | "remote";
  /** Planner that placed it (`local` for local runs, `wukong` for the default remote plan). */
  planner: string;
  sla?: Sla;
  status: "succeeded" | "failed";
  makespanMs: number;
  gbSeconds: number;
  predictedMakespanMs?: number;
  predictedGbSeconds?: number;
  tasks: number;
  /** Why the planner fell back to the default plan, when it did. */
  fallback?: string;
}

/** A run's plan and report as the history keeps them (task lists capped at {@link HISTORY_LIMITS}.detailTasks). */
export interface HistoryRunDetail {
  summary: HistoryRunSummary;
  plan?: PlanReport;
  report: RunReport;
  /** Whether the task lists were cut to the cap. */
  truncated: boolean;
}

/** What a client records after a run. */
export interface HistoryRun {
  structure: string;
  className: string;
  summary: HistoryRunSummary;
  /** Per task and configuration, a few samples chosen across input sizes (see `selectSamples`). */
  samples: (TaskSample & { task: string; configuration: string })[];
  transfers: (TransferSample & { configuration: string })[];
  /** Lengths of the arrays fanned out over that were not known at submission, by normalized key. */
  lengths: Record<string, number>;
  detail?: HistoryRunDetail;
}

/** One workflow structure in the history. */
export interface WorkflowHistory {
  structure: string;
  workflow: string;
  className: string;
  runs: number;
  firstAt: number;
  lastAt: number;
}

/** Caps that keep every part of the history bounded. */
export const HISTORY_LIMITS = {
  /** Workflow structures kept (the ones whose latest run is the oldest are forgotten first). */
  structures: 256,
  /** Samples kept per (structure, task, configuration). */
  samplesPerTask: 64,
  /** Samples one run adds per (task, configuration). */
  samplesPerRun: 16,
  /** Transfer samples kept per configuration and kind. */
  transfersPerConfiguration: 256,
  /** Lengths kept per fan-out key. */
  lengthsPerKey: 8,
  /** Run summaries kept per structure. */
  runsPerStructure: 50,
  /** Run details (plan and report) kept per structure. */
  detailsPerStructure: 10,
  /** Task instances kept in one run's detail. */
  detailTasks: 2000,
} as const;
