/**
 * Internal surface of `@taskloom/runtime` for its own tools (remote executor, workers, bench):
 * the executor contract, the scheduler, the value codec. Not for user code.
 *
 * @module
 * @example
 * ```ts
 * import { registerRemoteExecutor, type Executor } from "@taskloom/runtime/internal";
 * ```
 */
export {
  registerRemoteExecutor,
  getRemoteExecutorFactory,
  type Executor,
  type ExecutionContext,
  type ExecutionOutcome,
  type RemoteExecutorFactory,
} from "../execution/executor.js";
export type { ResolvedRunOptions } from "../handle/run-options.js";
export { resolveRunOptions } from "../handle/run-options.js";
export { RunGraph, type ValueSource } from "../scheduling/run-graph.js";
export { RunGraphError } from "../scheduling/run-graph-error.js";
export { resolveValue, readPath } from "../scheduling/resolve-value.js";
export type { TaskInstance } from "../scheduling/task-instance.js";
export { encodeWire, decodeWire } from "../codec/wire-codec.js";
export { estimateBytes } from "../codec/estimate-bytes.js";
export { ReportBuilder, type InstanceRecord } from "../report/report-builder.js";
export { ProgressBar } from "../report/progress-bar.js";
export { loadTaskModule, type TaskModuleInfo } from "../handle/load-task-module.js";
