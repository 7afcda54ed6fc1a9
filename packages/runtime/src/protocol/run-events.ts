/**
 * Task events of a run: what `onEvent` receives, the same on a local and a remote run, and the
 * form in which remote workers publish them on the run's task-event channel (`tl:{<run>}:tasks`,
 * see store/redis-keys.ts), for a client that listens and for a dashboard. The run's status
 * channel (`tl:{<run>}:events`) stays light: status words and stored-output notices.
 */
import type { RunErrorRecord } from "./run-error-record.js";

/** Fields every task event carries. */
export interface TaskEventBase {
  /** Deterministic instance id, e.g. `n3[2]` or `r4~1.0`. */
  instanceId: string;
  /** Stable task id, `file#Class.method`. */
  task: string;
  /** Display name: the task's `name` option or `Class.method`. */
  name: string;
  /** When it happened, in ms since the epoch (measured where the task ran for started/finished). */
  at: number;
}

/** Where an attempt ran: the process (`local` for a local run, else the `dag-worker`'s id) and its thread. */
export interface TaskEventPlace {
  worker: string;
  /** `worker_threads.threadId` within that process. */
  thread: number;
}

/** The instance's inputs are ready; it waits for a thread. */
export interface TaskQueuedEvent extends TaskEventBase {
  type: "queued";
}

/** The instance started running (attempt 1, 2, ...). */
export interface TaskStartedEvent extends TaskEventBase, TaskEventPlace {
  type: "started";
  attempt: number;
}

/** The instance finished; `durationMs` is its execution time on the thread. */
export interface TaskFinishedEvent extends TaskEventBase, TaskEventPlace {
  type: "finished";
  attempt: number;
  durationMs: number;
}

/** The attempt failed; `final` when no retry is left (the run fails with `error`). */
export interface TaskFailedEvent extends TaskEventBase, Partial<TaskEventPlace> {
  type: "failed";
  attempt: number;
  final: boolean;
  /** The error the run rejects with when this attempt is final (a `TaskFailedError` or a subclass). */
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
 * What `onEvent` receives during a run, local or remote. Started/finished events of a batch
 * arrive together when the batch returns, but each carries its own time measured on its thread.
 */
export type RunEvent = TaskQueuedEvent | TaskStartedEvent | TaskFinishedEvent | TaskFailedEvent | TaskRetryingEvent | TaskSkippedEvent;

/** The type names of {@link RunEvent}. */
export type RunEventType = RunEvent["type"];

/**
 * One task event as a remote worker publishes it: a tuple, the task named by its index in the
 * message's task table `t`.
 *
 * - `["queued", instanceId, task, at]`
 * - `["started", instanceId, task, at, thread, attempt]`
 * - `["finished", instanceId, task, at, thread, attempt, durationMs]`
 * - `["failed", instanceId, task, at, thread, attempt, final (0 | 1), error record]`
 * - `["retrying", instanceId, task, at, attempt, delayMs]`
 * - `["skipped", instanceId, task, at, branch]`
 */
export type WireRunEvent =
  | [type: "queued", instanceId: string, task: number, at: number]
  | [type: "started", instanceId: string, task: number, at: number, thread: number, attempt: number]
  | [type: "finished", instanceId: string, task: number, at: number, thread: number, attempt: number, durationMs: number]
  | [type: "failed", instanceId: string, task: number, at: number, thread: number, attempt: number, final: 0 | 1, error: RunErrorRecord]
  | [type: "retrying", instanceId: string, task: number, at: number, attempt: number, delayMs: number]
  | [type: "skipped", instanceId: string, task: number, at: number, branch: string];

/**
 * A batch began on a worker: its instances are running there (the thread is not known until the
 * batch returns; its `started` event, with the time measured on the thread, comes then with
 * `finished`). Only listeners of the channel see it (a dashboard shows the `running` state from
 * it); `onEvent` does not, so a remote run's events stay those of a local one.
 *
 * - `["running", instanceId, task, at, attempt]`
 */
export type WireRunningEvent = [type: "running", instanceId: string, task: number, at: number, attempt: number];

/**
 * One message of a run's task-event channel from one worker: the events of one tick, published
 * only while someone listens: every event when the run's metadata says a client does (`events`
 * flag: `onEvent` or `progress`); with a dashboard alone, only `queued`, `running`, `failed`,
 * `retrying` and `skipped` (the dashboard reads finished tasks from the metrics records).
 * The run's status channel carries bare words (`done`, `failed`, `aborted`) and notices: JSON
 * messages of this shape with no events and `s` set. A JSON message starts with `{`.
 */
export interface RunEventMessage {
  /** Id of the worker that published it. */
  w: string;
  /** Task ids the events name by index. */
  t: string[];
  e: (WireRunEvent | WireRunningEvent)[];
  /** Task instances created by fan-out expansions on this worker since its last message. */
  k?: number;
  /**
   * Instances whose outputs this worker just stored and that a pre-loading worker may be waiting
   * for (pre-load: it reads them before their fan-in is ready). Sent on the status channel whether
   * or not anyone listens to the task events, only for planned fan-ins with pre-load on.
   */
  s?: string[];
}

/** Whether a message of a run's channels is JSON (task events or a notice; else a run status word). */
export function isRunEventMessage(text: string): boolean {
  return text.charCodeAt(0) === 123; /* { */
}

/**
 * Turns one wire event into a {@link RunEvent}.
 * @param reviveError - builds the error of a `failed` event from its record.
 */
export function runEventOf(
  message: RunEventMessage,
  event: WireRunEvent,
  nameOf: (task: string) => string,
  reviveError: (record: RunErrorRecord) => Error,
): RunEvent {
  const task = message.t[event[2]] ?? "?";
  const base = { instanceId: event[1], task, name: nameOf(task), at: event[3] };
  switch (event[0]) {
    case "queued":
      return { type: "queued", ...base };
    case "started":
      return { type: "started", ...base, worker: message.w, thread: event[4], attempt: event[5] };
    case "finished":
      return { type: "finished", ...base, worker: message.w, thread: event[4], attempt: event[5], durationMs: event[6] };
    case "failed":
      return { type: "failed", ...base, worker: message.w, thread: event[4], attempt: event[5], final: event[6] === 1, error: reviveError(event[7]) };
    case "retrying":
      return { type: "retrying", ...base, attempt: event[4], delayMs: event[5] };
    case "skipped":
      return { type: "skipped", ...base, branch: event[4] };
  }
}
