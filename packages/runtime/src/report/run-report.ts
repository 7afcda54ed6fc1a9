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
}

/** What `run(input, { report: true })` resolves to. */
export interface RunOutcome<R> {
  result: R;
  report: RunReport;
}
