import type { SourceLocation, WorkflowIR } from "@taskloom/sdk/internal";
import { encodeRemote } from "../codec/remote-codec.js";
import { taskNameOf } from "../protocol/manifest-check.js";
import type { RunErrorDetail, RunErrorRecord, RunFailureKind } from "../protocol/run-error-record.js";
import type { InlineStepError } from "../scheduling/inline-functions.js";
import type { ThreadError } from "../protocol/thread-messages.js";
import { nodeLocations } from "../scheduling/node-locations.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { WorkerRun } from "./worker-run-cache.js";

const locations = new WeakMap<WorkflowIR, Map<string, SourceLocation>>();

function locOf(run: WorkerRun, inst: TaskInstance): SourceLocation | undefined {
  let locs = locations.get(run.workflow);
  if (!locs) locations.set(run.workflow, (locs = nodeLocations(run.workflow)));
  return locs.get(inst.nodeId) ?? run.manifest.tasks[inst.task]?.loc;
}

/** Where a failure of a run happened: the instance, how often it ran, and on which worker and thread. */
export interface FailureSite {
  run: WorkerRun;
  inst: TaskInstance;
  worker: string;
  attempts: number;
  thread?: number | undefined;
}

/**
 * The run's error record of a failed task, as the client turns it back into the error a local run
 * throws (the same class and fields): the thread's error shape, the task's name and call site,
 * attempts, worker and thread, and the thrown error's own properties (encoded).
 */
export function taskErrorRecord(site: FailureSite, shape: ThreadError): RunErrorRecord {
  const { run, inst } = site;
  const loc = locOf(run, inst);
  return {
    instanceId: inst.id,
    task: inst.task,
    name: shape.name,
    message: shape.message,
    stack: shape.stack ?? `${shape.name}: ${shape.message}`,
    ...(shape.code !== undefined ? { code: shape.code } : {}),
    worker: site.worker,
    kind: (shape.kind ?? "task") as RunFailureKind,
    detail: {
      taskName: taskNameOf(run.manifest, inst.task),
      ...(loc ? { loc } : {}),
      attempts: site.attempts,
      ...(site.thread !== undefined && site.thread > 0 ? { thread: site.thread } : {}),
      ...(shape.props ? { props: encodeRemote(shape.props) } : {}),
      ...(shape.dropped ? { dropped: shape.dropped } : {}),
      ...(shape.timeoutMs !== undefined ? { timeoutMs: shape.timeoutMs } : {}),
      ...(shape.memoryMb !== undefined ? { memoryMb: shape.memoryMb } : {}),
      ...(shape.path !== undefined ? { path: shape.path, what: shape.what ?? "a value" } : {}),
      ...(shape.bytes !== undefined ? { bytes: shape.bytes, limit: shape.limit ?? 0 } : {}),
    },
  };
}

function inlineDetail(e: InlineStepError): RunErrorDetail {
  const cause = e.cause as { name?: unknown; message?: unknown } | undefined;
  return {
    fn: e.fn,
    at: e.loc,
    causeName: typeof cause?.name === "string" ? cause.name : "Error",
    causeMessage: typeof cause?.message === "string" ? cause.message : String(e.cause),
  };
}

/** The record of a run-level failure seen by a worker (`graph`, `inline`, `worker`, `bundle`): the error as is. */
export function runErrorRecord(
  site: Omit<FailureSite, "attempts">,
  kind: RunFailureKind,
  error: {
    name: string;
    message: string;
    stack?: string | undefined;
    code?: string | undefined;
    reason?: string;
    loc?: SourceLocation | undefined;
    inline?: InlineStepError;
  },
): RunErrorRecord {
  return {
    instanceId: site.inst.id,
    task: site.inst.task,
    name: error.name,
    message: error.message,
    stack: error.stack ?? `${error.name}: ${error.message}`,
    ...(error.code !== undefined ? { code: error.code } : {}),
    worker: site.worker,
    kind,
    detail: {
      taskName: taskNameOf(site.run.manifest, site.inst.task),
      ...(error.reason !== undefined ? { reason: error.reason } : {}),
      ...(error.loc ? { loc: error.loc } : {}),
      ...(error.inline ? inlineDetail(error.inline) : {}),
    },
  };
}

/** The kind of record for a runtime error seen by a worker outside a task, by its code. */
function kindOfCode(code: string | undefined): RunFailureKind {
  switch (code) {
    case "TL_BUNDLE":
    case "TL_BUNDLE_HASH":
    case "TL_BUNDLE_SIGNATURE":
    case "TL_MANIFEST":
      return "bundle";
    case "TL_VALUE_CORRUPT":
      return "corrupt";
    case "TL_VALUE_TOO_LARGE":
      return "size";
    default:
      return "worker";
  }
}

/**
 * The record of an error a worker saw outside any task, while loading a run or reading its stored
 * values: a bundle or manifest refused (`bundle`), a stored value that does not decode (`corrupt`)
 * or is too large (`size`, with its path, bytes and limit), else the worker's own (`worker`).
 * The client rebuilds the same class and message from it.
 */
export function workerErrorRecord(instanceId: string, worker: string, error: Error & { code?: string }): RunErrorRecord {
  const kind = kindOfCode(error.code);
  const e = error as Error & { path?: unknown; bytes?: unknown; limit?: unknown; reason?: unknown };
  const detail: RunErrorDetail = {};
  if (typeof e.path === "string") detail.path = e.path;
  if (kind === "size" && typeof e.bytes === "number" && typeof e.limit === "number") {
    detail.bytes = e.bytes;
    detail.limit = e.limit;
  }
  if (kind === "corrupt" && typeof e.reason === "string") detail.reason = e.reason;
  return {
    instanceId,
    task: "(dag-worker)",
    name: error.name,
    message: error.message,
    stack: error.stack ?? error.message,
    worker,
    code: error.code ?? "TL_WORKER_INTERNAL",
    kind,
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}
