/**
 * What a `dag-worker` started by a gateway says about itself: one JSON event per stdout line,
 * after {@link WORKER_EVENT_MARKER}. Every other line is a log line, relayed as it comes.
 *
 * The gateway sets `TASKLOOM_GATEWAY=1` and `TASKLOOM_WORKER_ID` in a worker's environment; a
 * worker that sees them writes these events with {@link formatWorkerEvent}:
 * - `ready` once it is connected and reading its group's queue;
 * - `task-start` / `task-end` around every task (several may be open at once, up to `--concurrency`);
 * - `log` for a line written by a task when the worker knows which task wrote it (worker threads),
 *   so that the gateway can name the run and task even when several tasks run at once.
 */
export const WORKER_EVENT_MARKER = "::taskloom::";

/** A worker is connected and reading its queue. */
export interface ReadyEvent {
  event: "ready";
}

/** A worker took a task from its queue and started it. */
export interface TaskStartEvent {
  event: "task-start";
  /** Run id. */
  run: string;
  /** Task instance id within the run (e.g. `n3[2]`). */
  task: string;
  /** Display name of the task (e.g. `WordCount.count`). */
  name?: string;
  /** The task's `timeoutMs` option, if any: the gateway kills a worker that overruns it. */
  timeoutMs?: number;
  /** Redis stream entry id the task came from (`<ms>-<seq>`): its time is the enqueue time. */
  entryId?: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt?: number;
  /** The task's `retries` option: a timeout or out-of-memory on the last attempt fails the run. */
  retries?: number;
}

/** A task ended, successfully or not. */
export interface TaskEndEvent {
  event: "task-end";
  run: string;
  task: string;
  ok: boolean;
}

/** A line written by a task, with the task that wrote it. */
export interface TaskLogEvent {
  event: "log";
  run: string;
  task: string;
  /** `out` for stdout, `err` for stderr. */
  stream: "out" | "err";
  line: string;
}

export type WorkerEvent = ReadyEvent | TaskStartEvent | TaskEndEvent | TaskLogEvent;

/** Formats one event as a stdout line (without the trailing newline). */
export function formatWorkerEvent(event: WorkerEvent): string {
  return `${WORKER_EVENT_MARKER}${JSON.stringify(event)}`;
}

function isString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * Parses a worker's stdout line: an event when it carries the marker and a well-formed event,
 * `undefined` for an ordinary log line (a malformed event line is relayed as a log line).
 */
export function parseWorkerEvent(line: string): WorkerEvent | undefined {
  if (!line.startsWith(WORKER_EVENT_MARKER)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(WORKER_EVENT_MARKER.length));
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const event = raw as Record<string, unknown>;
  switch (event.event) {
    case "ready":
      return { event: "ready" };
    case "task-start":
      if (!isString(event.run) || !isString(event.task)) return undefined;
      return {
        event: "task-start",
        run: event.run,
        task: event.task,
        ...(isString(event.name) ? { name: event.name } : {}),
        ...(typeof event.timeoutMs === "number" && event.timeoutMs > 0 ? { timeoutMs: event.timeoutMs } : {}),
        ...(isString(event.entryId) ? { entryId: event.entryId } : {}),
        ...(typeof event.attempt === "number" ? { attempt: event.attempt } : {}),
        ...(typeof event.retries === "number" ? { retries: event.retries } : {}),
      };
    case "task-end":
      if (!isString(event.run) || !isString(event.task)) return undefined;
      return { event: "task-end", run: event.run, task: event.task, ok: event.ok === true };
    case "log":
      if (!isString(event.run) || !isString(event.task) || typeof event.line !== "string") return undefined;
      return { event: "log", run: event.run, task: event.task, stream: event.stream === "err" ? "err" : "out", line: event.line };
    default:
      return undefined;
  }
}
