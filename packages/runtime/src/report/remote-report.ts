import type { PlanReport } from "../planning/plan-report.js";
import type { PrewarmedWorker } from "./run-report.js";
import { runCost, type WorkerSpan } from "../planning/run-cost.js";
import { rowsOfRecord, type ParsedRow } from "./metrics-record.js";
import { isUsesRecord, mergeUse, summarizeUses, type OptimizationUse } from "./optimization-uses.js";
import type { ResultRead, RunReport, SkippedTaskReport, TaskOptimizationReport, TaskReport } from "./run-report.js";

/** What a remote run's report is built from. */
export interface RemoteReportInput {
  runId: string;
  workflow: string;
  /** Hash of the workflow's structure. */
  structure: string;
  status: RunReport["status"];
  /** Submission and end of the run, ms since the epoch (the client's clock). */
  startedAt: number;
  finishedAt: number;
  /** The run's metrics records (metrics-record.ts). */
  records: readonly string[];
  /** Display names by task id. */
  names: ReadonlyMap<string, string>;
  /** Task instances of the run (completed, for a run that succeeded): those without a record count as unreported. */
  known: number;
  /** Cold starts a worker gateway measured, by worker id (spawn → first task, ms). */
  coldStarts?: ReadonlyMap<string, number>;
  /** Workers a gateway pre-warmed for the run, and whether each ran one of its tasks. */
  prewarmed?: readonly PrewarmedWorker[];
  /** Planner of the run, and what it predicted. */
  planner: string;
  /**
   * Whether the run asked for a report (`report: true`). Without it a local run measures no CPU
   * share, so a remote run's partial report (of a failure) leaves `cpuFraction` out too: the same
   * fields in both modes. Default true.
   */
  detailed?: boolean;
  plan?: PlanReport;
  /** Bytes of outputs written to Redis during the run (the run's counter). */
  bytesWritten?: number;
  /** Tasks of branch arms the run did not take. */
  skipped?: SkippedTaskReport[];
  resultRead?: ResultRead;
  /** The instance whose failure failed the run (a failed run's partial report). */
  failed?: FailedTaskEntry;
}

/** The instance that failed a remote run, as its error names it. */
export interface FailedTaskEntry {
  instanceId: string;
  task: string;
  name: string;
  worker: string | undefined;
  thread: number | undefined;
  attempts: number;
  /** The error's message. */
  error: string;
}

/** A failed instance's report entry: what its error says; times and bytes it never reported are 0 or undefined (as a local run's). */
function failedTask(f: FailedTaskEntry, queuedAt: number, planner: string): TaskReport {
  return {
    instanceId: f.instanceId,
    task: f.task,
    name: f.name,
    status: "failed",
    worker: f.worker,
    thread: f.thread,
    attempts: f.attempts,
    queuedAt,
    startedAt: undefined,
    finishedAt: undefined,
    queueWaitMs: 0,
    executionMs: 0,
    inputBytes: 0,
    outputBytes: 0,
    configuration: "",
    start: "warm",
    inputFetchMs: 0,
    inputSources: { memory: 0, thread: 0, redis: 0 },
    outputStoreMs: 0,
    outputStoredBytes: 0,
    dependencyUpdateMs: 0,
    cpuFraction: undefined,
    planner,
    error: f.error,
  };
}

/** Builds the run report of a remote run from its metrics records; the latest record of an instance wins (a retry counts). */
export function buildRemoteReport(input: RemoteReportInput): RunReport {
  const latest = new Map<string, ParsedRow>();
  const uses = new Map<string, OptimizationUse>();
  let retries = 0;
  for (const line of input.records) {
    const parsed = JSON.parse(line) as object;
    if (isUsesRecord(parsed)) {
      for (const [id, use] of parsed.u) uses.set(id, mergeUse(uses.get(id) ?? {}, use));
      continue;
    }
    for (const row of rowsOfRecord(parsed)) {
      if (latest.has(row.instanceId)) retries++;
      latest.set(row.instanceId, row);
    }
  }
  const spans = new Map<string, WorkerSpan>();
  const tasks: TaskReport[] = [];
  for (const m of latest.values()) {
    tasks.push({
      instanceId: m.instanceId,
      task: m.task,
      name: input.names.get(m.task) ?? m.task,
      status: "finished",
      worker: m.worker,
      thread: m.thread,
      attempts: m.attempt,
      queuedAt: m.startedAt - m.queueWaitMs,
      startedAt: m.startedAt,
      finishedAt: m.finishedAt,
      queueWaitMs: m.queueWaitMs,
      executionMs: m.finishedAt - m.startedAt,
      inputBytes: m.inputBytes,
      outputBytes: m.outputBytes,
      configuration: m.group,
      start: m.cold ? "cold" : "warm",
      inputFetchMs: m.fetchMs,
      inputSources: { memory: m.memoryBytes, thread: 0, redis: m.redisBytes },
      outputStoreMs: m.storeMs,
      outputStoredBytes: m.storedBytes,
      dependencyUpdateMs: m.updateMs,
      cpuFraction: m.cpu < 0 || input.detailed === false ? undefined : m.cpu,
      planner: m.planner,
      ...optimizationsOf(uses.get(m.instanceId)),
    });
    const span = spans.get(m.worker);
    if (!span) {
      spans.set(m.worker, {
        worker: m.worker,
        configuration: m.group,
        memoryMb: m.memoryMb,
        firstStartMs: m.startedAt,
        lastEndMs: m.finishedAt + m.storeMs + m.updateMs,
        coldStartMs: 0,
      });
    } else {
      span.firstStartMs = Math.min(span.firstStartMs, m.startedAt);
      span.lastEndMs = Math.max(span.lastEndMs, m.finishedAt + m.storeMs + m.updateMs);
    }
  }
  for (const span of spans.values()) span.coldStartMs = input.coldStarts?.get(span.worker) ?? 0;
  const finished = tasks.length;
  if (input.failed && !latest.has(input.failed.instanceId)) tasks.push(failedTask(input.failed, input.startedAt, input.planner));
  tasks.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || (a.instanceId < b.instanceId ? -1 : 1));
  const makespanMs = input.finishedAt - input.startedAt;
  return {
    runId: input.runId,
    workflow: input.workflow,
    executor: "remote",
    status: input.status,
    concurrency: spans.size,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    makespanMs,
    tasksPerSecond: makespanMs > 0 ? (finished * 1000) / makespanMs : 0,
    counts: {
      tasks: tasks.length,
      finished,
      failed: tasks.length - finished,
      retries,
      batches: input.records.length,
      workers: spans.size,
      threads: new Set(tasks.map((t) => `${t.worker} ${t.thread}`)).size,
      unreported: Math.max(0, input.known - finished),
      skipped: input.skipped?.length ?? 0,
    },
    tasks,
    skipped: input.skipped ?? [],
    structure: input.structure,
    planner: input.planner,
    ...(input.plan ? { plan: input.plan } : {}),
    cost: runCost([...spans.values()]),
    ...(uses.size > 0 || input.bytesWritten !== undefined || input.prewarmed
      ? {
          optimizations: {
            ...summarizeUses(uses.values()),
            ...(input.bytesWritten !== undefined ? { bytesWritten: input.bytesWritten } : {}),
            ...(input.prewarmed ? { prewarmed: input.prewarmed.length, prewarmedUsed: input.prewarmed.filter((w) => w.used).length } : {}),
          },
        }
      : {}),
    ...(input.prewarmed ? { prewarmedWorkers: [...input.prewarmed] } : {}),
    ...(input.resultRead ? { resultRead: input.resultRead } : {}),
  };
}

/** The report's form of an instance's uses (long names; absent when none). */
function optimizationsOf(use: OptimizationUse | undefined): { optimizations?: TaskOptimizationReport } {
  if (!use) return {};
  const o: TaskOptimizationReport = {};
  if (use.ns !== undefined) o.bytesNotStored = use.ns;
  if (use.cl !== undefined) o.clustered = use.cl;
  if (use.fi) o.fanInPlaced = true;
  if (use.dl !== undefined) o.delayedMs = use.dl;
  if (use.pl !== undefined) o.preloaded = use.pl;
  return { optimizations: o };
}
