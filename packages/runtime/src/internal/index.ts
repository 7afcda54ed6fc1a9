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
} from "../client/executor.js";
export type { ResolvedRunOptions } from "../client/run-options.js";
export { resolveRunOptions } from "../client/run-options.js";
export { RunGraph, type ValueSource } from "../scheduling/run-graph.js";
export { RunGraphError } from "../scheduling/run-graph-error.js";
export { resolveValue, readPath } from "../scheduling/resolve-value.js";
export type { TaskInstance } from "../scheduling/task-instance.js";
export { encodeWire, decodeWire } from "../codec/wire-codec.js";
export { estimateBytes } from "../codec/estimate-bytes.js";
export { ReportBuilder, type InstanceRecord } from "../report/report-builder.js";
export { ProgressBar } from "../report/progress-bar.js";
export { runKeys, runKeyPattern, queueKey, blobKey, DEFAULT_KEY_PREFIX, CONSUMER_GROUP } from "../store/redis-keys.js";
export type { RunKeys } from "../store/redis-keys.js";
export type * from "../store/run-store.js";
export { MemoryRunStore } from "../store/memory-run-store.js";
export { RedisRunStore } from "../store/redis-run-store.js";
export { connectRedis, parseRedisUrl, redactRedisUrl, redisOptionsFromUrl, type RedisConnection } from "../store/redis-connection.js";
export type { TaskQueue, Handoff, Delivery } from "../store/task-queue.js";
export { MemoryTaskQueue } from "../store/memory-task-queue.js";
export { RedisTaskQueue } from "../store/redis-task-queue.js";

export { RemoteWorker, type RemoteWorkerOptions } from "../worker/remote-worker.js";
export { runRemote, createRemoteExecutor, type RemoteRunOptions, type RemoteOutcome } from "../client/remote/remote-executor.js";
export { defaultPlan, groupOf, colocationOf, type RunPlan } from "../scheduling/run-plan.js";
export { GraphReplica } from "../scheduling/graph-replica.js";
export { encodeRemote, decodeRemote } from "../codec/remote-codec.js";
