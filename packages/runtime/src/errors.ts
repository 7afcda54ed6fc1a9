import type { SourceLocation } from "@taskloom/sdk/internal";

/** Marker property set on every runtime error, so it is recognised across thread and process boundaries. */
export const RUNTIME_ERROR_MARKER = "__taskloomRuntimeError" as const;

/**
 * Base of the runtime's errors: a stable `code`, an optional `cause`, and a marker property so
 * that code receiving an error from another realm can recognise it without `instanceof`.
 */
export class RuntimeError extends Error {
  /** Stable machine-readable code, e.g. `TL_TASK_FAILED`. */
  readonly code: string;
  readonly [RUNTIME_ERROR_MARKER] = true;
  /** The run's partial report, when the run failed after it started. */
  report?: unknown;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
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
  loc: SourceLocation;
  /** How many times the instance ran (1 + retries used). */
  attempts: number;
}

function where(instance: FailedInstance): string {
  const { file, line, column } = instance.loc;
  return `task ${instance.name} (instance ${instance.instanceId}, ${file}:${line}:${column})`;
}

/**
 * A task threw (after its retries): carries the instance, and the original error's name, message
 * and stack (also as `cause`). Its own stack ends with the original stack.
 */
export class TaskFailedError extends RuntimeError {
  readonly instanceId: string;
  readonly task: string;
  readonly taskName: string;
  readonly loc: SourceLocation;
  readonly attempts: number;
  /** The original error's message and stack, as thrown in the worker. */
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
    this.originalMessage = cause.message;
    this.originalStack = cause.stack;
    if (cause.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
  }
}

/** A task exceeded its `timeoutMs`; its thread was terminated. */
export class TaskTimeoutError extends TaskFailedError {
  constructor(instance: FailedInstance, timeoutMs: number) {
    super(instance, new Error(`timed out after ${timeoutMs} ms (task option timeoutMs)`), "TL_TASK_TIMEOUT");
    this.name = "TaskTimeoutError";
  }
}

/** A task exceeded its `memoryMb` heap limit; its thread ran out of memory and was terminated. */
export class TaskOutOfMemoryError extends TaskFailedError {
  readonly memoryMb: number;
  constructor(instance: FailedInstance, memoryMb: number, cause: unknown) {
    const detail = cause instanceof Error ? ` (${cause.message})` : "";
    super(instance, new Error(`ran out of memory: exceeded its limit of memoryMb = ${memoryMb} MiB${detail}`), "TL_TASK_OOM");
    this.name = "TaskOutOfMemoryError";
    this.memoryMb = memoryMb;
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

/** The requested executor (e.g. `redis`) is not available in this installation. */
export class ExecutorUnavailableError extends RuntimeError {
  constructor(message: string, cause?: unknown) {
    super("TL_EXECUTOR_UNAVAILABLE", message, { cause });
    this.name = "ExecutorUnavailableError";
  }
}

/** The manifest or the bundle does not match what the runtime expects. */
export class ManifestError extends RuntimeError {
  constructor(message: string) {
    super("TL_MANIFEST", message);
    this.name = "ManifestError";
  }
}

/** The task bundle failed to load where the tasks run, or lacks a task's function. */
export class BundleError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TL_BUNDLE", message, options);
    this.name = "BundleError";
  }
}

export class RemoteRuntimeError extends Error {
  /** Stable code, e.g. `TL_REDIS_UNREACHABLE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "RemoteRuntimeError";
  }
}

/** A task of a remote run threw: carries the task instance id and the original stack. */
export class RemoteTaskError extends Error {
  readonly code: string;
  readonly instanceId: string;
  readonly task: string;
  readonly worker: string;

  constructor(record: { instanceId: string; task: string; name: string; message: string; stack: string; code?: string; worker: string }) {
    super(`task ${record.task} (instance ${record.instanceId}) failed on worker ${record.worker}: ${record.message}`);
    this.name = "RemoteTaskError";
    this.code = record.code ?? "TL_TASK_FAILED";
    this.instanceId = record.instanceId;
    this.task = record.task;
    this.worker = record.worker;
    this.stack = `${this.name}: ${this.message}\n--- task stack ---\n${record.stack}`;
  }
}
