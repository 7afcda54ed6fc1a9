/**
 * The remote runtime's surface for other packages, tests and benchmarks: storage and transport
 * contracts with their in-memory and Redis implementations, keys, connection helpers, the
 * worker and the client-side executor. Re-exported from `@taskloom/runtime/internal`.
 *
 * @module
 * @example
 * ```ts
 * import { connectRedis, RedisRunStore } from "@taskloom/runtime/internal";
 * const store = new RedisRunStore(await connectRedis("redis://127.0.0.1:6400"));
 * ```
 */
export { runKeys, runKeyPattern, queueKey, blobKey, DEFAULT_KEY_PREFIX, CONSUMER_GROUP } from "../keys/redis-keys.js";
export type { RunKeys } from "../keys/redis-keys.js";
export type * from "../storage/run-store.js";
export { MemoryRunStore } from "../storage/memory-run-store.js";
export { RedisRunStore } from "../storage/redis-run-store.js";
export { connectRedis, parseRedisUrl, type RedisConnection } from "../storage/redis-connection.js";
export type { TaskQueue, Handoff, Delivery } from "../transport/task-queue.js";
export { MemoryTaskQueue } from "../transport/memory-task-queue.js";
export { RedisTaskQueue } from "../transport/redis-task-queue.js";
export { RemoteRuntimeError, RemoteTaskError } from "./remote-errors.js";
export { RemoteWorker, type RemoteWorkerOptions } from "./remote-worker.js";
export { runRemote, createRemoteExecutor, type RemoteRunOptions, type RemoteOutcome } from "./remote-executor.js";
export { defaultPlan, groupOf, colocationOf, type RunPlan } from "./run-plan.js";
export { GraphReplica } from "./graph-replica.js";
export { encodeRemote, decodeRemote } from "./remote-codec.js";

import { registerRemoteExecutor } from "../execution/executor.js";
import { createRemoteExecutor } from "./remote-executor.js";

// `run(input, { redis })` finds the remote executor through this registration.
registerRemoteExecutor((url) => createRemoteExecutor(url));
