import {
  TaskFailedError,
  TaskOutOfMemoryError,
  TaskTimeoutError,
  ValueNotSerializableError,
  ValueTooLargeError,
  type FailedInstance,
  type RuntimeError,
} from "../errors.js";
import type { ThreadError } from "./thread-messages.js";

const OWN = new Set(["name", "message", "stack", "code"]);

/**
 * Rebuilds a task's original error from its boundary shape: an `Error` with the original's name
 * (a subclass keeps its name), message, stack, `code` and other own properties.
 */
export function reviveError(shape: ThreadError): Error {
  const error = new Error(shape.message);
  Object.defineProperty(error, "name", { value: shape.name, writable: true, configurable: true, enumerable: false });
  if (shape.stack !== undefined) error.stack = shape.stack;
  if (shape.code !== undefined) (error as Error & { code?: string }).code = shape.code;
  for (const [k, v] of Object.entries(shape.props ?? {})) if (!OWN.has(k)) (error as unknown as Record<string, unknown>)[k] = v;
  return error;
}

/** Whether retrying cannot help: the same output fails to cross every time. */
export function isDeterministicFailure(shape: ThreadError): boolean {
  return shape.kind === "value" || shape.kind === "size" || shape.kind === "bundle" || shape.kind === "inline" || shape.kind === "stream";
}

/**
 * The error a run rejects with when instance `instance` failed with `shape`: the same class,
 * code and fields for local and remote runs (a `bundle` failure is the caller's: it names the bundle).
 */
export function taskFailureError(instance: FailedInstance, shape: ThreadError): RuntimeError {
  switch (shape.kind) {
    case "timeout":
      return new TaskTimeoutError(instance, shape.timeoutMs ?? 0, shape.message);
    case "oom":
      return new TaskOutOfMemoryError(instance, shape.memoryMb, shape.message);
    case "value":
      return new ValueNotSerializableError(
        `output of task ${instance.name} (instance ${instance.instanceId})${shape.path ?? ""}`,
        shape.what ?? "a value",
        instance,
      );
    case "size":
      return new ValueTooLargeError(
        `${shape.path ?? "output"} of task ${instance.name} (instance ${instance.instanceId})`,
        shape.bytes ?? 0,
        shape.limit ?? 0,
        instance,
      );
    case "inline":
      return new TaskFailedError(instance, reviveError(shape), "TL_INLINE_FAILED");
    default:
      return new TaskFailedError(instance, reviveError(shape));
  }
}
