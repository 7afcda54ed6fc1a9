import { TaskFailedError, TaskOutOfMemoryError, TaskTimeoutError, type FailedInstance } from "../../errors.js";
import type { ThreadError } from "../../protocol/thread-messages.js";

/** Rebuilds the task's original error from its thread-boundary shape (name, message, stack, code). */
export function reviveThreadError(shape: ThreadError): Error {
  const error = new Error(shape.message);
  error.name = shape.name;
  if (shape.stack !== undefined) error.stack = shape.stack;
  if (shape.code !== undefined) (error as Error & { code?: string }).code = shape.code;
  return error;
}

/** How a batch that died (its promise rejected) failed, given the instance that was running. */
export function classifyCrash(
  instance: FailedInstance,
  error: unknown,
  limits: { timeoutMs: number | undefined; memoryMb: number | undefined; timedOut: boolean },
): TaskFailedError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_WORKER_OUT_OF_MEMORY" && limits.memoryMb !== undefined) {
    return new TaskOutOfMemoryError(instance, limits.memoryMb, error);
  }
  if (limits.timedOut && limits.timeoutMs !== undefined) return new TaskTimeoutError(instance, limits.timeoutMs);
  const cause = error instanceof Error ? error : new Error(`the worker thread failed: ${String(error)}`);
  return new TaskFailedError(instance, cause);
}
