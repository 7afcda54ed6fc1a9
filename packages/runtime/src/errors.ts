/**
 * The runtime's errors: every error a `run()` rejects with is one of these classes, with a stable
 * `code`, the same class, code and fields whether the run was local or remote. All extend the
 * SDK's `TaskloomError` (a `code`, a `cause`, and a marker that {@link isTaskloomError} recognises
 * across thread and process boundaries).
 *
 * | class | code | when |
 * |---|---|---|
 * | {@link TaskFailedError} | `TL_TASK_FAILED` | a task threw (after its retries) |
 * | {@link TaskTimeoutError} | `TL_TASK_TIMEOUT` | a task ran longer than its `timeoutMs` |
 * | {@link TaskOutOfMemoryError} | `TL_TASK_OOM` | a task's thread reached its heap limit |
 * | {@link ValueNotSerializableError} | `TL_VALUE_NOT_SERIALIZABLE` | an input or output cannot cross a thread or process boundary |
 * | {@link ValueTooLargeError} | `TL_VALUE_TOO_LARGE` | an input or output is larger than the run's `maxValueBytes` |
 * | {@link ValueCorruptError} | `TL_VALUE_CORRUPT` | a value stored in Redis cannot be decoded (truncated, corrupted) |
 * | {@link RunAbortedError} | `TL_RUN_ABORTED` | the run's `signal` was aborted |
 * | {@link RunTimeoutError} | `TL_RUN_TIMEOUT` | the run took longer than its `timeoutMs` |
 * | {@link RunStalledError} | `TL_RUN_STALLED` | a remote run's remaining work was lost |
 * | {@link RunStateLostError} | `TL_RUN_STATE_LOST` | a remote run's state disappeared from Redis |
 * | {@link GatewayShutdownError} | `TL_GATEWAY_SHUTDOWN` | the worker gateway stopped while a task ran |
 * | {@link WorkerError} | `TL_WORKER_INTERNAL` | a remote worker failed outside any task |
 * | {@link RedisConnectionError} | `TL_REDIS_URL`, `TL_REDIS_UNREACHABLE` | a bad Redis URL, or no Redis there |
 * | {@link RedisAuthError} | `TL_REDIS_AUTH` | Redis refused the URL's user and password (or wants some) |
 * | {@link ManifestError} | `TL_MANIFEST` | the manifest is of another IR version, or lacks a workflow |
 * | {@link BundleError} | `TL_BUNDLE`, `TL_BUNDLE_HASH` | the task bundle fails to load where tasks run; its bytes in Redis do not match its hash |
 * | {@link BundleSignatureError} | `TL_BUNDLE_SIGNATURE` | a worker with a signing key got a bundle or manifest unsigned, or signed with another key |
 * | {@link ExecutorUnavailableError} | `TL_EXECUTOR_UNAVAILABLE` | the remote executor is not installed |
 * | `RunGraphError` | `TL_MAP_NOT_ARRAY`, `TL_EMPTY_REDUCE` | a fan-out over a non-array, a `treeReduce` of nothing |
 */
import { InvalidOptionError, TaskloomError, isTaskloomError } from "@taskloom/sdk";
import type { SourceLocation } from "@taskloom/sdk/internal";

export { InvalidOptionError, TaskloomError, isTaskloomError };

/** Marker property set on every runtime error (beside the SDK's), so it is recognised across realms. */
export const RUNTIME_ERROR_MARKER = "__taskloomRuntimeError" as const;

/** Base of the runtime's errors: a `TaskloomError` that may carry the run's partial report. */
export class RuntimeError extends TaskloomError {
  readonly [RUNTIME_ERROR_MARKER] = true;
  /** The run's partial report, when the run failed after it started. */
  report?: unknown;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "RuntimeError";
  }
}

/** True when `value` is a runtime error (by marker, not `instanceof`), optionally with `code`. */
export function isRuntimeError(value: unknown, code?: string): value is RuntimeError {
  if (typeof value !== "object" || value === null || !(RUNTIME_ERROR_MARKER in value)) return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}

/** What identifies a failed task instance in an error. */
export interface FailedInstance {
  /** Deterministic instance id, e.g. `n3[2]`. */
  instanceId: string;
  /** Stable task id, `file#Class.method`. */
  task: string;
  /** `Class.method` (or the task's `name` option). */
  name: string;
  /** Where the workflow calls the task. */
  loc: SourceLocation;
  /** How many times the instance ran (1 + retries used). */
  attempts: number;
  /** The process that ran the last attempt: `local` for a local run, the `dag-worker`'s id remotely. */
  worker: string;
  /** The thread of that process (`worker_threads.threadId`), when known. */
  thread?: number | undefined;
}

function where(instance: FailedInstance): string {
  const { file, line, column } = instance.loc;
  const on = instance.worker === "local" ? "" : `, on worker ${instance.worker}`;
  return `task ${instance.name} (instance ${instance.instanceId}, ${file}:${line}:${column}${on})`;
}

/**
 * A task threw (after its retries): carries the instance, where it ran, and the original error's
 * name, message and stack; `cause` is the original error, with its own fields (`code`, custom
 * properties). Its own stack ends with the original stack. Local and remote runs alike.
 */
export class TaskFailedError extends RuntimeError {
  readonly instanceId: string;
  readonly task: string;
  readonly taskName: string;
  readonly loc: SourceLocation;
  readonly attempts: number;
  /** `local`, or the id of the `dag-worker` that ran the last attempt. */
  readonly worker: string;
  /** The thread that ran the last attempt, when known. */
  readonly thread: number | undefined;
  /** The original error's name (a subclass keeps its name: `ValidationError`), message and stack. */
  readonly originalName: string;
  readonly originalMessage: string;
  readonly originalStack: string | undefined;

  constructor(instance: FailedInstance, cause: Error, code = "TL_TASK_FAILED") {
    const tries = instance.attempts > 1 ? ` after ${instance.attempts} attempts` : "";
    super(code, `${where(instance)} failed${tries}: ${cause.message}`, { cause });
    this.name = "TaskFailedError";
    this.instanceId = instance.instanceId;
    this.task = instance.task;
    this.taskName = instance.name;
    this.loc = instance.loc;
    this.attempts = instance.attempts;
    this.worker = instance.worker;
    this.thread = instance.thread;
    this.originalName = cause.name;
    this.originalMessage = cause.message;
    this.originalStack = cause.stack;
    if (cause.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
  }
}

/** A task exceeded its `timeoutMs`; its thread (or, under a gateway, its worker) was stopped. */
export class TaskTimeoutError extends TaskFailedError {
  readonly timeoutMs: number;
  /** @param detail - replaces the default message (`timed out after 200 ms (task option timeoutMs)`). */
  constructor(instance: FailedInstance, timeoutMs: number, detail?: string) {
    super(instance, new Error(detail ?? `timed out after ${timeoutMs} ms (task option timeoutMs)`), "TL_TASK_TIMEOUT");
    this.name = "TaskTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** A task's thread reached its heap limit and was terminated. */
export class TaskOutOfMemoryError extends TaskFailedError {
  /** The heap limit in MiB, when known. */
  readonly memoryMb: number | undefined;
  /** @param detail - what limit was reached and where it comes from. */
  constructor(instance: FailedInstance, memoryMb: number | undefined, detail: string) {
    super(instance, new Error(`ran out of memory: ${detail}`), "TL_TASK_OOM");
    this.name = "TaskOutOfMemoryError";
    this.memoryMb = memoryMb;
  }
}

/**
 * A value cannot cross a thread or process boundary: a function, a symbol, a class instance with
 * methods, a WeakMap, a Promise, ... `path` says where (`input[1].cb`, `output of task A.b
 * (instance n3).items[2]`), `what` what it is. For the input it is thrown before anything runs.
 */
export class ValueNotSerializableError extends RuntimeError {
  readonly path: string;
  readonly what: string;
  /** The instance whose output it is (absent for the input). */
  readonly instanceId: string | undefined;
  readonly task: string | undefined;
  /** For an output: the task's display name, where it ran (`local` or the dag-worker's id) and its thread. */
  readonly taskName: string | undefined;
  readonly worker: string | undefined;
  readonly thread: number | undefined;
  readonly attempts: number | undefined;

  constructor(path: string, what: string, instance?: Pick<FailedInstance, "instanceId" | "task"> & Partial<FailedInstance>) {
    super(
      "TL_VALUE_NOT_SERIALIZABLE",
      `${path} is ${what}, which cannot cross a thread or process boundary; return and pass plain data (objects, arrays, Map, Set, Date, typed arrays)`,
    );
    this.name = "ValueNotSerializableError";
    this.path = path;
    this.what = what;
    this.instanceId = instance?.instanceId;
    this.task = instance?.task;
    this.taskName = instance?.name;
    this.worker = instance?.worker;
    this.thread = instance?.thread;
    this.attempts = instance?.attempts;
  }
}

/** A size in bytes for a message: `1.5 MiB`, `300 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * A value is larger than the run's `maxValueBytes`: the workflow input, a task's arguments or
 * output, or a value stored in Redis. `path` says which (`input`, `output of task A.b (instance
 * n3)`, `input of task A.b (instance n3)`, `stored output of instance n3`); `bytes` is its size as the
 * runtime estimates it (exact for strings and binary data; for a stored value, its encoded length).
 */
export class ValueTooLargeError extends RuntimeError {
  readonly path: string;
  readonly bytes: number;
  readonly limit: number;
  readonly instanceId: string | undefined;
  readonly task: string | undefined;

  constructor(path: string, bytes: number, limit: number, instance?: { instanceId: string; task?: string | undefined }) {
    super(
      "TL_VALUE_TOO_LARGE",
      `${path} is ${formatBytes(bytes)}, over the limit of ${formatBytes(limit)} (run option maxValueBytes, dag-worker --max-value-bytes): pass large data by reference (a file or object-store key), split it, or raise the limit`,
    );
    this.name = "ValueTooLargeError";
    this.path = path;
    this.bytes = bytes;
    this.limit = limit;
    this.instanceId = instance?.instanceId;
    this.task = instance?.task;
  }
}

/** A value stored in Redis (a task's output, the run's input) cannot be decoded: truncated, corrupted or overwritten. */
export class ValueCorruptError extends RuntimeError {
  /** What the value is (`stored output of instance n3`, `stored input`). */
  readonly path: string;
  /** Why it does not decode (the decoder's message). */
  readonly reason: string;
  readonly instanceId: string | undefined;
  constructor(path: string, reason: string, instanceId?: string) {
    super("TL_VALUE_CORRUPT", `the ${path} in Redis cannot be decoded (truncated or corrupted): ${reason}`);
    this.name = "ValueCorruptError";
    this.path = path;
    this.reason = reason;
    this.instanceId = instanceId;
  }
}

/** The run's `signal` was aborted. */
export class RunAbortedError extends RuntimeError {
  constructor(reason?: unknown) {
    const why = reason instanceof Error ? `: ${reason.message}` : reason !== undefined ? `: ${String(reason)}` : "";
    super("TL_RUN_ABORTED", `the run was aborted${why}`, { cause: reason });
    this.name = "RunAbortedError";
  }
}

/** The run took longer than its `timeoutMs`. */
export class RunTimeoutError extends RuntimeError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super("TL_RUN_TIMEOUT", `the run timed out after ${timeoutMs} ms (options.timeoutMs)`);
    this.name = "RunTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** A remote run stopped making progress: it is running, yet none of its work is queued or held by a worker. */
export class RunStalledError extends RuntimeError {
  readonly runId: string;
  constructor(runId: string, message: string) {
    super("TL_RUN_STALLED", message);
    this.name = "RunStalledError";
    this.runId = runId;
  }
}

/** A remote run's state is gone from Redis (flushed, evicted, a failover without persistence). */
export class RunStateLostError extends RuntimeError {
  readonly runId: string;
  constructor(runId: string, message: string, options?: { cause?: unknown }) {
    super("TL_RUN_STATE_LOST", message, options);
    this.name = "RunStateLostError";
    this.runId = runId;
  }
}

/** The worker gateway shut down while a task of the run was running on one of its workers. */
export class GatewayShutdownError extends RuntimeError {
  readonly instanceId: string;
  readonly worker: string;
  constructor(instanceId: string, worker: string, message: string) {
    super("TL_GATEWAY_SHUTDOWN", message);
    this.name = "GatewayShutdownError";
    this.instanceId = instanceId;
    this.worker = worker;
  }
}

/** A remote worker failed outside of any task (an internal error); the run cannot go on. */
export class WorkerError extends RuntimeError {
  readonly worker: string;
  constructor(worker: string, message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? "TL_WORKER_INTERNAL", message, options);
    this.name = "WorkerError";
    this.worker = worker;
  }
}

/** A Redis URL is malformed (`TL_REDIS_URL`), or no Redis answers there (`TL_REDIS_UNREACHABLE`). */
export class RedisConnectionError extends RuntimeError {
  constructor(code: "TL_REDIS_URL" | "TL_REDIS_UNREACHABLE" | "TL_REDIS_AUTH", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "RedisConnectionError";
  }
}

/** Redis refused the credentials of the URL (`WRONGPASS`), or asks for some (`NOAUTH`). The message shows the URL redacted. */
export class RedisAuthError extends RedisConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TL_REDIS_AUTH", message, options);
    this.name = "RedisAuthError";
  }
}

/** The requested executor (e.g. `redis`) is not available in this installation. */
export class ExecutorUnavailableError extends RuntimeError {
  constructor(message: string, cause?: unknown) {
    super("TL_EXECUTOR_UNAVAILABLE", message, { cause });
    this.name = "ExecutorUnavailableError";
  }
}

/** The manifest does not match what the runtime expects (IR version, workflow name, missing blob). */
export class ManifestError extends RuntimeError {
  constructor(message: string) {
    super("TL_MANIFEST", message);
    this.name = "ManifestError";
  }
}

/** The task bundle failed to load where the tasks run, or lacks a task's function (`TL_BUNDLE`); its bytes do not match its hash (`TL_BUNDLE_HASH`). */
export class BundleError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown; code?: "TL_BUNDLE" | "TL_BUNDLE_HASH" }) {
    super(options?.code ?? "TL_BUNDLE", message, options);
    this.name = "BundleError";
  }
}

/**
 * A worker with a signing key refused a run: its bundle or manifest is unsigned, or signed with
 * another key (HMAC-SHA256). The message never shows a key or a signature.
 */
export class BundleSignatureError extends RuntimeError {
  constructor(message: string) {
    super("TL_BUNDLE_SIGNATURE", message);
    this.name = "BundleSignatureError";
  }
}
/** The run history (SQLite file or Redis) cannot be read or written. */
export class HistoryError extends RuntimeError {
  constructor(message: string, cause?: unknown) {
    super("TL_HISTORY", message, { cause });
    this.name = "HistoryError";
  }
}

/** A planner failed, or was asked for something it cannot do (an unknown configuration, say). */
export class PlanningError extends RuntimeError {
  constructor(message: string, cause?: unknown) {
    super("TL_PLAN", message, { cause });
    this.name = "PlanningError";
  }
}
