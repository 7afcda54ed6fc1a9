import type { OptimizationSummary } from "./optimization-uses.js";

/** One task instance in a {@link RunReport}. */
export interface TaskReport {
  instanceId: string;
  /** Stable task id, `file#Class.method`. */
  task: string;
  /** Display name: the task's `name` option or `Class.method`. */
  name: string;
  status: "finished" | "failed";
  /** Thread id (local) or worker id (remote) of the last attempt. */
  worker: number | string | undefined;
  attempts: number;
  /** ms since the epoch. */
  queuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** From ready to started (last attempt), in ms. */
  queueWaitMs: number;
  /** Execution time of the last attempt, in ms. */
  executionMs: number;
  /** Estimated bytes of the arguments and of the result (exact for strings and binary data). */
  inputBytes: number;
  outputBytes: number;
  /** The error of a failed instance. */
  error?: string;
  /** Remote runs: what the data-aware optimizations did for this instance (absent when nothing). */
  optimizations?: TaskOptimizationReport;
}

/** What the data-aware optimizations did for one task instance (remote runs). */
export interface TaskOptimizationReport {
  /** Bytes of its output not stored in Redis (estimated): clustering or delayed I/O kept it on its worker. */
  bytesNotStored?: number;
  /** Dependents run on its worker beside the one it continued with, because its output was large. */
  clustered?: number;
  /** It ran on the worker that held its largest input (a fan-in). */
  fanInPlaced?: boolean;
  /** How long delayed I/O held its output in memory (ms). */
  delayedMs?: number;
  /** Inputs its worker pre-loaded while it waited for the others. */
  preloaded?: number;
}

/**
 * What `run(input, { report: true })` returns beside the result (and what a failed run's error
 * carries as `report`): every task instance with its worker, queue wait, execution time and bytes,
 * and the run's makespan.
 */
export interface RunReport {
  workflow: string;
  executor: "local" | "remote";
  status: "succeeded" | "failed";
  /** Threads (local) or worker slots (remote) used. */
  concurrency: number;
  /** ms since the epoch. */
  startedAt: number;
  finishedAt: number;
  /** Wall time from submission to result, in ms. */
  makespanMs: number;
  /** Finished task instances per second of makespan. */
  tasksPerSecond: number;
  counts: {
    /** Task instances that ran (finished or failed). */
    tasks: number;
    finished: number;
    failed: number;
    /** Attempts beyond the first, over all instances. */
    retries: number;
    /** Messages sent to worker threads (several instances per batch when many are ready). */
    batches: number;
    /** Distinct threads or workers that ran tasks. */
    workers: number;
  };
  tasks: TaskReport[];
  /** Remote runs: the data-aware optimizations summed over the run, and the bytes of outputs stored in Redis. */
  optimizations?: OptimizationSummary & { bytesWritten?: number };
}

/** What `run(input, { report: true })` resolves to. */
export interface RunOutcome<R> {
  result: R;
  report: RunReport;
}
