import type { RunReport, TaskOptimizationReport, TaskReport } from "./run-report.js";
import { isUsesRecord, mergeUse, summarizeUses, type OptimizationUse, type OptimizationUsesRecord } from "./optimization-uses.js";
import { METRICS_STRIDE } from "../protocol/thread-messages.js";

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

/** The metrics of one batch as earlier workers wrote them: worker id, then one tuple per task. */
export interface RemoteBatchMetrics {
  w: string;
  /** Instance id, task id, thread id, started, finished, input bytes, output bytes, cold (0/1). */
  r: [string, string, number, number, number, number, number, number][];
}

/**
 * The metrics of one batch (one record per batch, about 35 bytes per task): worker and thread,
 * the batch's first start (ms since the epoch), its task ids once, then one tuple per task.
 */
export interface CompactBatchMetrics {
  w: string;
  th: number;
  b: number;
  t: string[];
  /** Instance id, index into `t`, started and finished (ms after `b`, to the µs), input bytes, output bytes, cold (0/1). */
  r: [string, number, number, number, number, number, number][];
}

const micros = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * The metrics record of a batch that ran `insts` on thread `threadId`.
 * @param metrics - per task, {@link METRICS_STRIDE} numbers: started, finished (ms since the epoch), input and output bytes.
 * @param cold - whether the batch's first task was a cold start.
 */
export function batchMetricsRecord(
  workerId: string,
  threadId: number,
  insts: readonly { id: string; task: string }[],
  metrics: Float64Array,
  cold: boolean,
): string {
  const base = metrics[0] ?? 0;
  const tasks: string[] = [];
  const index = new Map<string, number>();
  const r = insts.map((inst, i): CompactBatchMetrics["r"][number] => {
    let t = index.get(inst.task);
    if (t === undefined) index.set(inst.task, (t = tasks.push(inst.task) - 1));
    const k = i * METRICS_STRIDE;
    return [
      inst.id,
      t,
      micros((metrics[k] ?? 0) - base),
      micros((metrics[k + 1] ?? 0) - base),
      metrics[k + 2] ?? 0,
      metrics[k + 3] ?? 0,
      cold && i === 0 ? 1 : 0,
    ];
  });
  const record: CompactBatchMetrics = { w: workerId, th: threadId, b: base, t: tasks, r };
  return JSON.stringify(record);
}

/** Builds the run report of a remote run from its metrics records. */
export function buildRemoteReport(
  workflow: string,
  status: RunReport["status"],
  startedAt: number,
  finishedAt: number,
  records: string[],
  names: ReadonlyMap<string, string>,
  bytesWritten?: number,
): RunReport {
  const latest = new Map<string, RemoteTaskMetrics>();
  const uses = new Map<string, OptimizationUse>();
  let retries = 0;
  const add = (m: RemoteTaskMetrics): void => {
    if (latest.has(m.i)) retries++;
    latest.set(m.i, m);
  };
  for (const line of records) {
    const parsed = JSON.parse(line) as RemoteTaskMetrics | RemoteBatchMetrics | CompactBatchMetrics | OptimizationUsesRecord;
    if (isUsesRecord(parsed)) {
      for (const [id, use] of parsed.u) uses.set(id, mergeUse(uses.get(id) ?? {}, use));
    } else if (!("r" in parsed)) add(parsed);
    else if ("b" in parsed) {
      const { w, th, b, t: tasks } = parsed;
      for (const [i, t, s, e, bi, bo, c] of parsed.r) add({ i, t: tasks[t] ?? "", w, th, s: b + s, e: b + e, bi, bo, c: c === 1 });
    } else {
      for (const [i, t, th, s, e, bi, bo, c] of parsed.r) add({ i, t, w: parsed.w, th, s, e, bi, bo, c: c === 1 });
    }
  }
  const tasks: TaskReport[] = [...latest.values()].map((m) => ({
    instanceId: m.i,
    task: m.t,
    name: names.get(m.t) ?? m.t,
    status: "finished",
    worker: m.w,
    attempts: 1,
    queuedAt: m.s,
    startedAt: m.s,
    finishedAt: m.e,
    queueWaitMs: 0,
    executionMs: m.e - m.s,
    inputBytes: m.bi,
    outputBytes: m.bo,
    ...optimizationsOf(uses.get(m.i)),
  }));
  const makespanMs = finishedAt - startedAt;
  const workers = new Set(tasks.map((t) => t.worker));
  return {
    workflow,
    executor: "remote",
    status,
    concurrency: workers.size,
    startedAt,
    finishedAt,
    makespanMs,
    tasksPerSecond: makespanMs > 0 ? (tasks.length * 1000) / makespanMs : 0,
    counts: { tasks: tasks.length, finished: tasks.length, failed: 0, retries, batches: tasks.length, workers: workers.size },
    tasks,
    ...(uses.size > 0 || bytesWritten !== undefined
      ? { optimizations: { ...summarizeUses(uses.values()), ...(bytesWritten !== undefined ? { bytesWritten } : {}) } }
      : {}),
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
