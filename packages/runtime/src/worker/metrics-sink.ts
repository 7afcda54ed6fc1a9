import { InvalidOptionError } from "@taskloom/sdk";
import { encodeMetricsRecord, type MetricsSource, type TaskMetricsRow } from "../report/metrics-record.js";
import type { RunStore } from "../store/run-store.js";

/**
 * When a worker uploads its task metrics to the runs' metrics lists:
 * - `per-task`: one record per task, written as soon as its batch completed;
 * - `per-batch` (default): one record per batch, right after its completion (same tick as its acknowledgement);
 * - `periodic`: buffered, written every `everyMs`;
 * - `buffer`: buffered, written once `records` task rows wait;
 * - `at-exit`: buffered, written when the worker stops (SIGTERM); a SIGKILL loses them all.
 * Whatever the strategy, a worker killed with SIGKILL loses only the rows not yet written.
 */
export type MetricsUpload =
  | { strategy: "per-task" }
  | { strategy: "per-batch" }
  | { strategy: "periodic"; everyMs: number }
  | { strategy: "buffer"; records: number }
  | { strategy: "at-exit" };

/**
 * Parses `per-task`, `per-batch`, `periodic:<ms>`, `buffer:<rows>`, `at-exit` (dag-worker `--metrics`).
 * @throws InvalidOptionError naming the option and the value.
 */
export function parseMetricsUpload(text: string, option = "--metrics"): MetricsUpload {
  const [name, arg] = text.split(":");
  const n = arg === undefined ? Number.NaN : Number(arg);
  if ((name === "per-task" || name === "per-batch" || name === "at-exit") && arg === undefined) return { strategy: name };
  if (name === "periodic" && Number.isInteger(n) && n >= 1) return { strategy: "periodic", everyMs: n };
  if (name === "buffer" && Number.isInteger(n) && n >= 1) return { strategy: "buffer", records: n };
  throw new InvalidOptionError(`${option} must be per-task, per-batch, periodic:<ms>, buffer:<rows> or at-exit, got ${JSON.stringify(text)}`);
}

/** TTL of a run's metrics written after the client's own cleanup (the client's default). */
const METRICS_TTL_S = 86_400;
/** Rows kept for a retry when Redis is unreachable; older ones are dropped beyond this. */
const MAX_PENDING_ROWS = 100_000;

interface Pending {
  runId: string;
  source: MetricsSource;
  rows: TaskMetricsRow[];
}

/**
 * Buffers a worker's task metrics and writes them to the store by its {@link MetricsUpload}
 * strategy. A failed write is logged and retried with the next flush; it never throws.
 */
export class MetricsSink {
  private pending: Pending[] = [];
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    readonly upload: MetricsUpload,
    private readonly log: (line: string) => void,
  ) {
    if (upload.strategy === "periodic") {
      this.timer = setInterval(() => void this.flush(), upload.everyMs);
      this.timer.unref();
    }
  }

  /** Adds the rows of one batch. */
  add(runId: string, source: MetricsSource, rows: TaskMetricsRow[]): void {
    if (rows.length === 0) return;
    this.pending.push({ runId, source, rows });
    this.rows += rows.length;
    const s = this.upload.strategy;
    if (s === "per-task" || s === "per-batch" || (s === "buffer" && this.rows >= this.upload.records)) void this.flush();
    else if (this.rows > MAX_PENDING_ROWS) this.drop();
  }

  /** Writes every buffered row (one record per batch, or per task under `per-task`). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  /** Writes what is buffered and stops the periodic timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.rows = 0;
    const byRun = new Map<string, string[]>();
    for (const p of batch) {
      let list = byRun.get(p.runId);
      if (!list) byRun.set(p.runId, (list = []));
      if (this.upload.strategy === "per-task") for (const r of p.rows) list.push(encodeMetricsRecord(p.source, [r]));
      else list.push(encodeMetricsRecord(p.source, p.rows));
    }
    const failed: Pending[] = [];
    await Promise.all(
      [...byRun].map(([runId, records]) =>
        this.store.appendMetrics(runId, records, METRICS_TTL_S).catch((error: Error) => {
          this.log(`run ${runId}: cannot write ${records.length} metrics record(s), kept for the next flush: ${error.message}`);
          failed.push(...batch.filter((p) => p.runId === runId));
        }),
      ),
    );
    if (failed.length > 0) {
      this.pending.unshift(...failed);
      this.rows += failed.reduce((n, p) => n + p.rows.length, 0);
      if (this.rows > MAX_PENDING_ROWS) this.drop();
    }
  }

  private drop(): void {
    let dropped = 0;
    while (this.rows > MAX_PENDING_ROWS && this.pending.length > 0) {
      const p = this.pending.shift()!;
      this.rows -= p.rows.length;
      dropped += p.rows.length;
    }
    if (dropped > 0) this.log(`dropped the metrics of ${dropped} tasks: more than ${MAX_PENDING_ROWS} wait for an upload`);
  }
}
