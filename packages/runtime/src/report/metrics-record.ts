/**
 * The metrics records remote workers write to a run's metrics list: one JSON record per batch (or
 * per task, or per flush, by the worker's upload strategy), about 60 bytes per task. Older record
 * formats (per task; per batch before task ids were shared) are still read.
 */

/** What a worker measured of one task instance it ran. Times in ms; sizes in bytes. */
export interface TaskMetricsRow {
  instanceId: string;
  task: string;
  /** Started and finished, ms since the epoch. */
  startedAt: number;
  finishedAt: number;
  inputBytes: number;
  outputBytes: number;
  cold: boolean;
  /** From ready (handed off, or made ready on this worker) to started. */
  queueWaitMs: number;
  /** Reading its inputs: from Redis (its share of the batch's read) and decoding. */
  fetchMs: number;
  /** Input bytes read from Redis (encoded, exact). */
  redisBytes: number;
  /** Estimated bytes of the inputs that were held in this worker's memory (the input itself counts here). */
  memoryBytes: number;
  /** Encoding its output (and, when stored, its share of the completion). */
  storeMs: number;
  /** Output bytes written to Redis. */
  storedBytes: number;
  /** Its share of the completion that updated its dependents' counters. */
  updateMs: number;
  attempt: number;
  /** Busy share of the thread during execution, 0..1; -1 unknown. */
  cpu: number;
}

/** Who ran a record's tasks: worker and thread, its group, planner and memory. */
export interface MetricsSource {
  worker: string;
  thread: number;
  /** Worker group (configuration) of the worker. */
  group: string;
  /** Planner of the run (from its plan). */
  planner: string;
  /** Memory of the worker (its `--memory-mb`, else its heap limit), MiB. */
  memoryMb: number;
}

/** A row as read back, with its source. */
export interface ParsedRow extends TaskMetricsRow, MetricsSource {}

type Row = [string, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** The current record: `v: 2`, shared task ids, times relative to `b` to the µs. */
interface RecordV2 {
  v: 2;
  w: string;
  th: number;
  g: string;
  p: string;
  m: number;
  b: number;
  t: string[];
  /** Instance, task index, started, finished, input bytes, output bytes, cold, queue wait, fetch ms, Redis bytes, store ms, stored bytes, update ms, attempt, cpu, memory bytes. */
  r: Row[];
}

const micros = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Encodes the rows of one source as one record (JSON). */
export function encodeMetricsRecord(source: MetricsSource, rows: readonly TaskMetricsRow[]): string {
  const base = rows.reduce((min, r) => Math.min(min, r.startedAt), rows[0]?.startedAt ?? 0);
  const tasks: string[] = [];
  const index = new Map<string, number>();
  const r = rows.map((x): Row => {
    let t = index.get(x.task);
    if (t === undefined) index.set(x.task, (t = tasks.push(x.task) - 1));
    return [
      x.instanceId,
      t,
      micros(x.startedAt - base),
      micros(x.finishedAt - base),
      x.inputBytes,
      x.outputBytes,
      x.cold ? 1 : 0,
      micros(x.queueWaitMs),
      micros(x.fetchMs),
      x.redisBytes,
      micros(x.storeMs),
      x.storedBytes,
      micros(x.updateMs),
      x.attempt,
      Math.round(x.cpu * 1000) / 1000,
      x.memoryBytes,
    ];
  });
  const record: RecordV2 = { v: 2, w: source.worker, th: source.thread, g: source.group, p: source.planner, m: source.memoryMb, b: base, t: tasks, r };
  return JSON.stringify(record);
}

const EMPTY = {
  memoryBytes: 0,
  queueWaitMs: 0,
  fetchMs: 0,
  redisBytes: 0,
  storeMs: 0,
  storedBytes: 0,
  updateMs: 0,
  attempt: 1,
  cpu: -1,
  group: "default",
  planner: "wukong",
  memoryMb: 0,
};

/** Reads every row of a metrics record, whatever its format. */
export function parseMetricsRecord(line: string): ParsedRow[] {
  return rowsOfRecord(JSON.parse(line) as object);
}

/** The rows of a parsed metrics record (none for a record of optimization uses). */
export function rowsOfRecord(parsed: object): ParsedRow[] {
  const p = parsed as Record<string, unknown>;
  if ("u" in p) return [];
  if (p.v === 2) {
    const x = p as unknown as RecordV2;
    return x.r.map(
      ([instanceId, t, s, e, inputBytes, outputBytes, c, queueWaitMs, fetchMs, redisBytes, storeMs, storedBytes, updateMs, attempt, cpu, memoryBytes]) => ({
        instanceId,
        task: x.t[t] ?? "",
        startedAt: x.b + s,
        finishedAt: x.b + e,
        inputBytes,
        outputBytes,
        cold: c === 1,
        queueWaitMs,
        fetchMs,
        redisBytes,
        storeMs,
        storedBytes,
        updateMs,
        attempt,
        cpu,
        memoryBytes,
        worker: x.w,
        thread: x.th,
        group: x.g,
        planner: x.p,
        memoryMb: x.m,
      }),
    );
  }
  if (!("r" in p)) {
    // One record per task (the first format).
    const x = p as { i: string; t: string; w: string; th: number; s: number; e: number; bi: number; bo: number; c: boolean };
    return [
      {
        ...EMPTY,
        instanceId: x.i,
        task: x.t,
        worker: x.w,
        thread: x.th,
        startedAt: x.s,
        finishedAt: x.e,
        inputBytes: x.bi,
        memoryBytes: x.bi,
        outputBytes: x.bo,
        cold: x.c,
      },
    ];
  }
  if ("b" in p) {
    const x = p as { w: string; th: number; b: number; t: string[]; r: [string, number, number, number, number, number, number][] };
    return x.r.map(([i, t, s, e, bi, bo, c]) => ({
      ...EMPTY,
      instanceId: i,
      task: x.t[t] ?? "",
      worker: x.w,
      thread: x.th,
      startedAt: x.b + s,
      finishedAt: x.b + e,
      inputBytes: bi,
      memoryBytes: bi,
      outputBytes: bo,
      cold: c === 1,
    }));
  }
  const x = p as { w: string; r: [string, string, number, number, number, number, number, number][] };
  return x.r.map(([i, t, th, s, e, bi, bo, c]) => ({
    ...EMPTY,
    instanceId: i,
    task: t,
    worker: x.w,
    thread: th,
    startedAt: s,
    finishedAt: e,
    inputBytes: bi,
    outputBytes: bo,
    cold: c === 1,
  }));
}

/** How many task rows a record holds, without building them. */
export function countMetricsRows(line: string): number {
  const p = JSON.parse(line) as { r?: unknown[]; u?: unknown };
  if (p.u !== undefined) return 0;
  return Array.isArray(p.r) ? p.r.length : 1;
}
