import type { PlanReport } from "../planning/plan-report.js";
import { runCost, type WorkerSpan } from "../planning/run-cost.js";
import type { TaskView } from "./run-view.js";

/** What a planned run's page shows of its plan (`GET /api/runs/<id>` → `plan`). */
export interface PlanView {
  planner: string;
  sla: string;
  predictedMakespanMs: number;
  predictedGbSeconds: number;
  fallback?: string;
  /** Instance ids on the predicted critical path, first to last. */
  criticalPath: string[];
  /** Per instance: the worker the plan put it on, its configuration, its predicted start and end (ms after the run's start). */
  tasks: Record<string, { worker: string; group: string; startMs: number; endMs: number }>;
}

/** The part of a {@link PlanReport} the dashboard shows. */
export function planViewOf(report: PlanReport): PlanView {
  const tasks: PlanView["tasks"] = {};
  for (const [id, t] of Object.entries(report.tasks)) tasks[id] = { worker: t.worker, group: t.group, startMs: t.startMs, endMs: t.endMs };
  return {
    planner: report.planner,
    sla: report.sla,
    predictedMakespanMs: report.predictedMakespanMs,
    predictedGbSeconds: report.predictedCost.gbSeconds,
    ...(report.fallback ? { fallback: report.fallback } : {}),
    criticalPath: report.criticalPath,
    tasks,
  };
}

/**
 * GB-seconds of what ran so far, by the one cost formula (planning/run-cost.ts): each worker held
 * from its first task's start to its last task's end (and output store), at its memory. Cold
 * starts are not counted (the gateway's start records are not read); undefined when no finished
 * task names its worker's memory. Kept as tasks finish, so that a run's summary costs O(workers).
 */
export class MeasuredSpans {
  private readonly spans = new Map<string, WorkerSpan>();

  /** Counts a task (again after any change: spans only grow). */
  add(t: TaskView): void {
    if (t.memoryMb === undefined || t.worker === undefined || t.startedAt === undefined || t.endedAt === undefined) return;
    const end = t.endedAt + (t.storeMs ?? 0);
    const span = this.spans.get(t.worker);
    if (!span)
      this.spans.set(t.worker, {
        worker: t.worker,
        configuration: t.configuration ?? "",
        memoryMb: t.memoryMb,
        firstStartMs: t.startedAt,
        lastEndMs: end,
        coldStartMs: 0,
      });
    else {
      span.firstStartMs = Math.min(span.firstStartMs, t.startedAt);
      span.lastEndMs = Math.max(span.lastEndMs, end);
    }
  }

  gbSeconds(): number | undefined {
    return this.spans.size === 0 ? undefined : runCost([...this.spans.values()]).gbSeconds;
  }
}
