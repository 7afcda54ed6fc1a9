/**
 * Taskloom runtime: runs workflows compiled by `dag-compile`, on worker threads in this process
 * (the default) or on remote `dag-worker` processes through Redis.
 *
 * @module
 * @example
 * ```ts
 * import { wordcount } from "./wordcount.dag.js"; // generated: createWorkflowHandle(...)
 * const counts = await wordcount.run(chunks);      // piscina worker threads
 * const { result, report } = await wordcount.run(chunks, { report: true, progress: true });
 * console.log(formatRunSummary(report));
 * ```
 */
export { createWorkflowHandle, type WorkflowHandle } from "./client/workflow-handle.js";
export type { RunOptions } from "./client/run-options.js";
export type { ProgressOptions } from "./report/progress-bar.js";
export type {
  RunEvent,
  TaskEventBase,
  TaskQueuedEvent,
  TaskStartedEvent,
  TaskFinishedEvent,
  TaskFailedEvent,
  TaskRetryingEvent,
} from "./protocol/run-events.js";
export type { RunReport, TaskReport, RunOutcome } from "./report/run-report.js";
export { formatRunSummary } from "./report/format-summary.js";
export { closeLocalPools } from "./threads/pool-set.js";
export {
  TaskloomError,
  isTaskloomError,
  RuntimeError,
  TaskFailedError,
  TaskTimeoutError,
  TaskOutOfMemoryError,
  ValueNotSerializableError,
  RunAbortedError,
  RunTimeoutError,
  RunStalledError,
  RunStateLostError,
  GatewayShutdownError,
  WorkerError,
  RedisConnectionError,
  ExecutorUnavailableError,
  ManifestError,
  BundleError,
  isRuntimeError,
  type FailedInstance,
} from "./errors.js";
export { RunGraphError } from "./scheduling/run-graph-error.js";
export { InlineStepError } from "./scheduling/inline-functions.js";
export { GatewayError } from "./gateway/gateway-error.js";
