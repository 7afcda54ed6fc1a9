import type { HistoryRun, HistoryRunDetail, HistoryRunSummary, HistorySamples, WorkflowHistory } from "./history-types.js";

/**
 * Where Taskloom keeps what it learned from earlier runs, per workflow structure: samples per
 * (task, configuration) for predictions, and the latest runs' summaries, plans and reports for
 * `dag-history` and the dashboard. Everything is capped ({@link HISTORY_LIMITS}); reading what a plan
 * needs never scans the whole history.
 *
 * Two implementations pass one conformance suite (`packages/runtime/test/history/`): SQLite (a file,
 * the embedded default: `createSqliteHistory`) and Redis (shared by every client of a deployment:
 * `createRedisHistory`).
 *
 * @example
 * ```ts
 * const history = await createSqliteHistory(".taskloom/history.sqlite");
 * await history.record(run);
 * const samples = await history.samples(run.structure); // bounded: tasks × configurations × 64
 * ```
 */
export interface HistoryStore {
  /** `sqlite` or `redis`, and where (a file path or a Redis URL without password). */
  readonly location: string;
  /** Adds a finished run: its samples to the summaries (trimmed to the caps), its summary and detail. */
  record(run: HistoryRun): Promise<void>;
  /** What planning reads about a structure, or undefined when no run of it was recorded. */
  samples(structure: string): Promise<HistorySamples | undefined>;
  /** Every structure with at least one run, most recent first. */
  workflows(): Promise<WorkflowHistory[]>;
  /** The latest runs of a structure, most recent first (at most `limit`, default all kept). */
  runs(structure: string, limit?: number): Promise<HistoryRunSummary[]>;
  /** A kept run's plan and report. */
  run(structure: string, runId: string): Promise<HistoryRunDetail | undefined>;
  /** Forgets one structure (or everything, without an argument); returns how many structures went. */
  clear(structure?: string): Promise<number>;
  close(): Promise<void>;
}
