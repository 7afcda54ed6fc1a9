/** Fields every task event carries. */
export interface TaskEventBase {
  /** Deterministic instance id, e.g. `n3[2]` or `r4~1.0`. */
  instanceId: string;
  /** Stable task id, `file#Class.method`. */
  task: string;
  /** Display name: the task's `name` option or `Class.method`. */
  name: string;
  /** When it happened, in ms since the epoch (measured in the worker for started/finished). */
  at: number;
}

/** The instance's inputs are ready; it waits for a thread. */
export interface TaskQueuedEvent extends TaskEventBase {
  type: "queued";
}

/** The instance started running on thread `worker` (attempt 1, 2, ...). */
export interface TaskStartedEvent extends TaskEventBase {
  type: "started";
  worker: number;
  attempt: number;
}

/** The instance finished; `durationMs` is its execution time on the thread. */
export interface TaskFinishedEvent extends TaskEventBase {
  type: "finished";
  worker: number;
  attempt: number;
  durationMs: number;
}

/** The attempt failed; `final` when no retry is left (the run fails). */
export interface TaskFailedEvent extends TaskEventBase {
  type: "failed";
  attempt: number;
  final: boolean;
  error: Error;
}

/** The instance will run again after `delayMs` (exponential backoff from `retryDelayMs`). */
export interface TaskRetryingEvent extends TaskEventBase {
  type: "retrying";
  /** The attempt about to start. */
  attempt: number;
  delayMs: number;
}

/**
 * The instance is in an arm of a branch that took another arm: it never runs. Inside a map of
 * that arm, whose length is never known, `[*]` stands for its elements (`n5[*]`).
 */
export interface TaskSkippedEvent extends TaskEventBase {
  type: "skipped";
  /** The branch instance that took another arm (`b3`, `b3[2]` inside a map). */
  branch: string;
}

/**
 * What `onEvent` receives during a run. Started/finished events of a batch arrive together when
 * the batch returns, but each carries its own time measured on the worker thread.
 */
export type RunEvent = TaskQueuedEvent | TaskStartedEvent | TaskFinishedEvent | TaskFailedEvent | TaskRetryingEvent | TaskSkippedEvent;
