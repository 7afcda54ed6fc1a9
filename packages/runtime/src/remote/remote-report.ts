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

/** The metrics of one batch (one record per batch): worker id, then one tuple per task. */
export interface RemoteBatchMetrics {
  w: string;
  /** Instance id, task id, thread id, started, finished, input bytes, output bytes, cold (0/1). */
  r: [string, string, number, number, number, number, number, number][];
}

/** Builds the run report of a remote run from its metrics records. */
export function buildRemoteReport(
  workflow: string, status: RunReport["status"], startedAt: number, finishedAt: number,
  records: string[], names: ReadonlyMap<string, string>,
): RunReport {
  const latest = new Map<string, RemoteTaskMetrics>();
  let retries = 0;
  const add = (m: RemoteTaskMetrics): void => {
    if (latest.has(m.i)) retries++;
    latest.set(m.i, m);
  };
  for (const line of records) {
    const parsed = JSON.parse(line) as RemoteTaskMetrics | RemoteBatchMetrics;
    if (!("r" in parsed)) {
      add(parsed);
      continue;
    }
    for (const [i, t, th, s, e, bi, bo, c] of parsed.r) add({ i, t, w: parsed.w, th, s, e, bi, bo, c: c === 1 });
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
