import type { SourceLocation, WorkflowIR } from "@taskloom/sdk/internal";
import { decodeRemote } from "../../codec/remote-codec.js";
import {
  BundleError,
  BundleSignatureError,
  GatewayShutdownError,
  ManifestError,
  RuntimeError,
  TaskOutOfMemoryError,
  TaskTimeoutError,
  ValueCorruptError,
  ValueTooLargeError,
  WorkerError,
  type FailedInstance,
} from "../../errors.js";
import type { RunErrorRecord } from "../../protocol/run-error-record.js";
import { taskFailureError } from "../../protocol/task-failure.js";
import type { ThreadError } from "../../protocol/thread-messages.js";
import { nodeLocations } from "../../scheduling/node-locations.js";
import { RunGraphError } from "../../scheduling/run-graph-error.js";
import { InlineStepError } from "../../scheduling/inline-functions.js";
import type { TaskInstance } from "../../scheduling/task-instance.js";

/** What the client knows of the run to complete a record: its workflow and its instances. */
export interface RunLookup {
  workflow: WorkflowIR;
  /** The instance with this id, from a replica of the run's graph (undefined when unknown). */
  instance(id: string): TaskInstance | undefined;
  /** A task's display name. */
  taskName(task: string): string;
}

const UNKNOWN_LOC: SourceLocation = { file: "?", line: 0, column: 0 };

function failedInstance(record: RunErrorRecord, run: RunLookup): FailedInstance {
  const inst = run.instance(record.instanceId);
  const task = inst?.task ?? record.task;
  const d = record.detail ?? {};
  return {
    instanceId: record.instanceId,
    task,
    name: d.taskName ?? run.taskName(task),
    loc: d.loc ?? (inst ? nodeLocations(run.workflow).get(inst.nodeId) : undefined) ?? UNKNOWN_LOC,
    attempts: d.attempts ?? 1,
    worker: record.worker,
    thread: d.thread,
  };
}

function shapeOf(record: RunErrorRecord): ThreadError {
  const d = record.detail ?? {};
  const kind = record.kind;
  return {
    name: record.name,
    message: record.message,
    stack: record.stack,
    ...(record.code !== undefined ? { code: record.code } : {}),
    ...(d.props ? { props: decodeRemote(d.props) as Record<string, unknown> } : {}),
    ...(d.dropped ? { dropped: d.dropped } : {}),
    ...(kind === "timeout" || kind === "oom" || kind === "value" || kind === "size" ? { kind } : {}),
    ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
    ...(d.memoryMb !== undefined ? { memoryMb: d.memoryMb } : {}),
    ...(d.path !== undefined ? { path: d.path, what: d.what ?? "a value" } : {}),
    ...(d.bytes !== undefined ? { bytes: d.bytes, limit: d.limit ?? 0 } : {}),
  };
}

/**
 * The error a remote run rejects with, from its error record: the same class, code and fields a
 * local run throws for the same failure (TaskFailedError with the original error's name, message,
 * stack and own properties; TaskTimeoutError; TaskOutOfMemoryError; ...), with the worker and
 * thread that ran the task.
 */
export function remoteRunError(record: RunErrorRecord, run: RunLookup): RuntimeError {
  switch (record.kind) {
    case "bundle":
      if (record.code === "TL_MANIFEST") return new ManifestError(record.message);
      if (record.code === "TL_BUNDLE_SIGNATURE") return new BundleSignatureError(record.message);
      return new BundleError(record.message, { code: record.code === "TL_BUNDLE_HASH" ? "TL_BUNDLE_HASH" : "TL_BUNDLE" });
    case "corrupt":
      return new ValueCorruptError(record.detail?.path ?? "stored value", record.detail?.reason ?? record.message, record.instanceId);
    case "size":
      // Outside a task (a stored value read back); a task's own input or output has attempts.
      if (record.detail?.attempts === undefined)
        return new ValueTooLargeError(record.detail?.path ?? "stored value", record.detail?.bytes ?? 0, record.detail?.limit ?? 0, {
          instanceId: record.instanceId,
        });
      return taskFailureError(failedInstance(record, run), shapeOf(record));
    case "graph":
      return new RunGraphError(record.code ?? "TL_GRAPH", record.detail?.reason ?? record.message, record.detail?.loc);
    case "worker":
      return new WorkerError(record.worker, record.message, { code: record.code ?? "TL_WORKER_INTERNAL" });
    case "gateway-timeout":
      return new TaskTimeoutError(failedInstance(record, run), record.detail?.timeoutMs ?? 0, record.message);
    case "gateway-oom":
      return new TaskOutOfMemoryError(failedInstance(record, run), record.detail?.memoryMb, record.message);
    case "gateway-shutdown":
      return new GatewayShutdownError(record.instanceId, record.worker, record.message);
    case "inline": {
      const d = record.detail ?? {};
      if (d.attempts !== undefined) return taskFailureError(failedInstance(record, run), { ...shapeOf(record), kind: "inline" });
      if (d.fn === undefined || d.at === undefined) return new RuntimeError(record.code ?? "TL_INLINE_FAILED", record.message);
      const cause = new Error(d.causeMessage ?? record.message);
      cause.name = d.causeName ?? "Error";
      return new InlineStepError(d.fn, d.at, cause);
    }
    default:
      return taskFailureError(failedInstance(record, run), shapeOf(record));
  }
}
