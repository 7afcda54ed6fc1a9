import type { SourceLocation } from "@taskloom/sdk/internal";

/**
 * What failed a remote run, as recorded in the run store (`tl:{run}:err`) by the worker (or the
 * gateway) that saw it: enough for the client to throw the same error class with the same fields
 * as a local run would (client/remote/remote-error.ts).
 *
 * - `task` (or absent): the task threw; `timeout`, `oom`: its thread was stopped by the worker;
 *   `value`: its output cannot cross; `size`: its arguments or output, or a stored value, are larger
 *   than `maxValueBytes`; `corrupt`: a value stored in Redis does not decode; `bundle`: the bundle
 *   cannot run its tasks (or does not match its hash, or its signature);
 * - `graph`: a fan-out over a non-array, a `treeReduce` of nothing; `inline`: an inline step threw;
 * - `worker`: the worker failed outside any task;
 * - `gateway-timeout`, `gateway-oom`, `gateway-shutdown`: the worker gateway stopped the task's worker.
 */
export type RunFailureKind =
  | "task"
  | "timeout"
  | "oom"
  | "value"
  | "size"
  | "corrupt"
  | "bundle"
  | "graph"
  | "inline"
  | "worker"
  | "gateway-timeout"
  | "gateway-oom"
  | "gateway-shutdown";

/** Details of a {@link RunErrorRecord} beyond its flat fields (stored as one JSON field). */
export interface RunErrorDetail {
  /** Display name of the task. */
  taskName?: string;
  /** Where the workflow calls the task. */
  loc?: SourceLocation;
  attempts?: number;
  /** The thread of the worker that ran the last attempt. */
  thread?: number;
  /** The thrown error's other own properties, encoded with `encodeRemote`. */
  props?: string;
  /** Own properties that could not cross. */
  dropped?: string[];
  timeoutMs?: number;
  memoryMb?: number;
  /** `size`: the value's bytes and the limit (with `path`: what the value is). */
  bytes?: number;
  limit?: number;
  /** `value`: where in the output and what it is. */
  path?: string;
  what?: string;
  /** `graph`: the message without the location. */
  reason?: string;
  /** `inline` outside a task: the inline step's id and `file:line:column`, and its cause's name and message. */
  fn?: string;
  at?: string;
  causeName?: string;
  causeMessage?: string;
}

/** A run's failure as recorded: flat string fields (a Redis hash) plus `detail`. */
export interface RunErrorRecord {
  /** The failed instance (`n3[2]`), or the one a worker was about to run. */
  instanceId: string;
  /** Stable task id, `file#Class.method` (a display name when the gateway recorded it). */
  task: string;
  /** The original error's name, message (without attempts) and stack. */
  name: string;
  message: string;
  stack: string;
  /** The original error's `code` (a task's own, or the runtime's `TL_...`). */
  code?: string;
  /** Id of the worker that saw the failure. */
  worker: string;
  kind?: RunFailureKind;
  detail?: RunErrorDetail;
}
