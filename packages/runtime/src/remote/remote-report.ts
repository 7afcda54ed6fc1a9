import type { RunReport, TaskReport } from "../report/run-report.js";

/** One metrics record as a worker writes it (short keys: it is stored per task). */
export interface RemoteTaskMetrics {
  /** Instance id, task id, worker id, thread id. */
  i: string;
  t: string;
  w: string;
  th: number;
  /** Started and finished, ms since the epoch. */
  s: number;
  e: number;
  /** Input and output bytes (estimated). */
  bi: number;
  bo: number;
  /** Whether the worker was cold (first task of the worker or of the bundle). */
  c: boolean;
}

/** Builds the run report of a remote run from its metrics records. */
export function buildRemoteReport(
  workflow: string, status: RunReport["status"], startedAt: number, finishedAt: number,
  records: string[], names: ReadonlyMap<string, string>,
): RunReport {
  const latest = new Map<string, RemoteTaskMetrics>();
  let retries = 0;
  for (const line of records) {
    const m = JSON.parse(line) as RemoteTaskMetrics;
    if (latest.has(m.i)) retries++;
    latest.set(m.i, m);
  }
  const tasks: TaskReport[] = [...latest.values()].map((m) => ({
    instanceId: m.i, task: m.t, name: names.get(m.t) ?? m.t, status: "finished", worker: m.w, attempts: 1,
    queuedAt: m.s, startedAt: m.s, finishedAt: m.e, queueWaitMs: 0, executionMs: m.e - m.s,
    inputBytes: m.bi, outputBytes: m.bo,
  }));
  const makespanMs = finishedAt - startedAt;
  const workers = new Set(tasks.map((t) => t.worker));
  return {
    workflow, executor: "remote", status, concurrency: workers.size, startedAt, finishedAt, makespanMs,
    tasksPerSecond: makespanMs > 0 ? (tasks.length * 1000) / makespanMs : 0,
    counts: { tasks: tasks.length, finished: tasks.length, failed: 0, retries, batches: tasks.length, workers: workers.size },
    tasks,
  };
}
