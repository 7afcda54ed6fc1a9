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
  TaskSkippedEvent,
  TaskEventPlace,
  RunEventType,
  RunEventMessage,
  WireRunEvent,
  WireRunningEvent,
} from "./protocol/run-events.js";
export { runEventOf, isRunEventMessage } from "./protocol/run-events.js";
export type { RunReport, TaskReport, SkippedTaskReport, RunOutcome } from "./report/run-report.js";
export { formatRunSummary } from "./report/format-summary.js";
export { closeLocalPools } from "./threads/pool-set.js";
export { createRemoteExecutor, type RemoteRunOptions, type RemoteOutcome } from "./client/remote/remote-executor.js";
// Registers the remote executor that this entry has loaded anyway: a handle's remote runs then use
// it rather than load the remote client's one-file bundle beside it (a second copy).
import "./client/remote/index.js";
export { getRunStartMetrics, type StartMetric } from "./store/start-metrics.js";
export { subscribeRunLogs, type RunLogMessage, type RunLogLine, type RunTaskFailure, type RunStallNotice } from "./store/run-log-channel.js";
export {
  TaskloomError,
  isTaskloomError,
  InvalidOptionError,
  RuntimeError,
  TaskFailedError,
  TaskTimeoutError,
  TaskOutOfMemoryError,
  ValueNotSerializableError,
  ValueTooLargeError,
  ValueCorruptError,
  RunAbortedError,
  RunTimeoutError,
  RunStalledError,
  RunStateLostError,
  GatewayShutdownError,
  WorkerError,
  RedisConnectionError,
  RedisAuthError,
  ExecutorUnavailableError,
  ManifestError,
  BundleError,
  BundleSignatureError,
  HistoryError,
  PlanningError,
  isRuntimeError,
  type FailedInstance,
} from "./errors.js";
export { RunGraphError } from "./scheduling/run-graph-error.js";
export { DEFAULT_MAX_VALUE_BYTES } from "./codec/value-limit.js";
export { SIGNING_KEY_ENV } from "./protocol/bundle-signature.js";
export { InlineStepError } from "./scheduling/inline-functions.js";
export { GatewayError } from "./gateway/gateway-error.js";
export type { HistoryStore } from "./history/history-store.js";
export type {
  HistoryRun,
  HistoryRunDetail,
  HistoryRunSummary,
  HistorySamples,
  TaskHistory,
  TaskSample,
  TransferSample,
  WorkflowHistory,
} from "./history/history-types.js";
export { HISTORY_LIMITS } from "./history/history-types.js";
export { createSqliteHistory } from "./history/sqlite-history-store.js";
export { createRedisHistory, type RedisHistoryOptions } from "./store/redis-history-store.js";
export { historyRunOf, selectSamples, turnaroundsOf, type HistoryRunParts } from "./history/history-run.js";
export {
  readGatewayConfigurations,
  type GatewayConfigurations,
  type PublishedConfiguration,
  type PublishedGateway,
  type StartTotals,
} from "./store/gateway-configurations.js";
export type { PlanReport, PlannedTask, PlannedConfiguration } from "./planning/plan-report.js";
export type { RunCost, WorkerCost } from "./planning/run-cost.js";
export type { Sla } from "./planning/sla.js";
export type { WorkerConfiguration } from "./planning/worker-configuration.js";
export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from "./dashboard/dashboard-server.js";
export { DashboardError } from "./dashboard/dashboard-error.js";
export type { RunSummaryView, RunUpdate, TaskView, TaskViewState } from "./dashboard/run-view.js";
export { decodeRunUpdate, TASK_FIELDS, type RunUpdateWire } from "./dashboard/update-wire.js";
export type { DashboardGraph, DashboardNode } from "./dashboard/dashboard-graph.js";
export { DEFAULT_PREVIEW_SIZE, previewText, previewValue, revivePreview, type ValuePreview } from "./codec/value-preview.js";
export type { Planner, PlanInput, PlannerOptions, PlannedRun } from "./planning/planner.js";
export { plannedRun } from "./planning/planner.js";
export type { Placement, SimulatedRun } from "./planning/simulate.js";
export { simulate } from "./planning/simulate.js";
export { wukongPlanner, uniformPlanner, nonUniformPlanner, PLANNERS, resolvePlanner, colocationKeys, fastestConfiguration } from "./planning/planners.js";
export { buildPredictions, type Predictions, type PredictionInputs } from "./planning/predictions.js";
export { planGraphOf, type PlanGraph, type PlanGraphParts } from "./planning/plan-graph.js";
export { planSvg } from "./planning/plan-svg.js";
