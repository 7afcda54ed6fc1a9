import type { PlanReport } from "../planning/plan-report.js";
import { normalizeLengthKey } from "../planning/plan-graph.js";
import type { RunReport, TaskReport } from "../report/run-report.js";
import { HISTORY_LIMITS, type HistoryRun } from "./history-types.js";

/** Up to `n` items of `list` spread evenly over it (first and last included). */
function spread<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  const out: T[] = [];
  for (let k = 0; k < n; k++) out.push(list[Math.round((k * (list.length - 1)) / (n - 1))]!);
  return out;
}

/**
 * Per (task, configuration), at most {@link HISTORY_LIMITS}.samplesPerRun finished instances
 * chosen across their input sizes (sorted by input bytes, evenly spaced), so that a fit sees the
 * sizes' range whatever the run's width.
 */
export function selectSamples(tasks: readonly TaskReport[]): TaskReport[] {
  const groups = new Map<string, TaskReport[]>();
  for (const t of tasks) {
    if (t.status !== "finished") continue;
    const k = `${t.task}\u0000${t.configuration}`;
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(t);
  }
  return [...groups.values()].flatMap((list) =>
    spread(
      list.sort((a, b) => a.inputBytes - b.inputBytes || (a.instanceId < b.instanceId ? -1 : 1)),
      HISTORY_LIMITS.samplesPerRun,
    ),
  );
}

/** Resolution of a task's ready time: a stream entry's id counts whole milliseconds. */
const READY_RESOLUTION_MS = 1;

/**
 * Per task instance, the turnaround of its thread before it (see `TaskSample.turnaroundMs`): for
 * each thread of each worker, the tasks in the order they started; a task that was ready (queued)
 * by the time the one before it was done (end + store + completion) gives the time from then to
 * its start, less its own input fetch. Overlapping tasks (a thread that ran them together) give none.
 */
export function turnaroundsOf(tasks: readonly TaskReport[]): Map<string, number> {
  const byThread = new Map<string, TaskReport[]>();
  for (const t of tasks) {
    if (t.worker === undefined || t.thread === undefined || t.startedAt === undefined || t.finishedAt === undefined) continue;
    const k = `${t.worker}\u0000${t.thread}`;
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(t);
  }
  const out = new Map<string, number>();
  for (const list of byThread.values()) {
    list.sort((a, b) => a.startedAt! - b.startedAt! || (a.instanceId < b.instanceId ? -1 : 1));
    for (let k = 1; k < list.length; k++) {
      const before = list[k - 1]!;
      const t = list[k]!;
      const done = before.finishedAt! + before.outputStoreMs + before.dependencyUpdateMs;
      const gap = t.startedAt! - done;
      if (t.queuedAt <= done + READY_RESOLUTION_MS && gap >= 0) out.set(t.instanceId, Math.max(0, gap - t.inputFetchMs));
    }
  }
  return out;
}

/** Each result instance's share, by stored size, of the client's read of the result (`RunReport.resultRead`). */
function resultReadsOf(report: RunReport): Map<string, number> {
  const out = new Map<string, number>();
  const read = report.resultRead;
  if (!read) return out;
  const entries = Object.entries(read.instances);
  const total = entries.reduce((sum, [, size]) => sum + size, 0);
  for (const [id, size] of entries) out.set(id, total > 0 ? (read.ms * size) / total : read.ms / entries.length);
  return out;
}

/** What {@link historyRunOf} needs beside the report. */
export interface HistoryRunParts {
  className: string;
  plan?: PlanReport;
  /** Lengths of the arrays fanned out over (and branch decisions), as the run recorded them. */
  lengths?: ReadonlyMap<string, number>;
}

/**
 * The history record of a finished run: its samples (chosen by {@link selectSamples}), the Redis
 * transfers they measured, its fan-out lengths by normalized key, its summary and detail.
 * @example
 * ```ts
 * await history.record(historyRunOf(report, { className: "WordCount", plan: report.plan, lengths }));
 * ```
 */
export function historyRunOf(report: RunReport, parts: HistoryRunParts): HistoryRun {
  const chosen = selectSamples(report.tasks);
  const turnarounds = turnaroundsOf(report.tasks);
  const reads = resultReadsOf(report);
  const samples = chosen.map((t) => ({
    task: t.task,
    configuration: t.configuration,
    at: report.startedAt,
    inputBytes: t.inputBytes,
    outputBytes: t.outputBytes,
    executionMs: t.executionMs,
    queueWaitMs: t.queueWaitMs,
    fetchMs: t.inputFetchMs,
    fetchBytes: t.inputSources.redis,
    storeMs: t.outputStoreMs,
    storeBytes: t.outputStoredBytes,
    updateMs: t.dependencyUpdateMs,
    cold: t.start === "cold",
    cpu: t.cpuFraction ?? -1,
    ...(turnarounds.has(t.instanceId) ? { turnaroundMs: turnarounds.get(t.instanceId)! } : {}),
    ...(reads.has(t.instanceId) ? { resultReadMs: reads.get(t.instanceId)! } : {}),
  }));
  const transfers = chosen.flatMap((t) => [
    ...(t.inputSources.redis > 0 ? [{ configuration: t.configuration, kind: "fetch" as const, bytes: t.inputSources.redis, ms: t.inputFetchMs }] : []),
    ...(t.outputStoredBytes > 0 ? [{ configuration: t.configuration, kind: "store" as const, bytes: t.outputStoredBytes, ms: t.outputStoreMs }] : []),
  ]);
  const lengths: Record<string, number> = {};
  for (const [key, length] of parts.lengths ?? []) lengths[normalizeLengthKey(key)] = length;
  const plan = parts.plan;
  const summary = {
    runId: report.runId,
    at: report.startedAt,
    workflow: report.workflow,
    executor: report.executor,
    planner: report.planner,
    ...(plan ? { sla: plan.sla, predictedMakespanMs: plan.predictedMakespanMs, predictedGbSeconds: plan.predictedCost.gbSeconds } : {}),
    ...(plan?.fallback ? { fallback: plan.fallback } : {}),
    status: report.status,
    makespanMs: report.makespanMs,
    gbSeconds: report.cost.gbSeconds,
    tasks: report.counts.tasks,
  };
  const truncated = report.tasks.length > HISTORY_LIMITS.detailTasks;
  const detailReport = truncated ? { ...report, tasks: report.tasks.slice(0, HISTORY_LIMITS.detailTasks) } : report;
  const detailPlan = plan && truncated ? { ...plan, tasks: Object.fromEntries(Object.entries(plan.tasks).slice(0, HISTORY_LIMITS.detailTasks)) } : plan;
  return {
    structure: report.structure,
    className: parts.className,
    summary,
    samples,
    transfers,
    lengths,
    detail: { summary, ...(detailPlan ? { plan: detailPlan } : {}), report: detailReport, truncated },
  };
}
