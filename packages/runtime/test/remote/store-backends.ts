/** The in-memory and the Redis backends of the store contracts, for conformance suites. */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { MemoryRunStore } from "../../dist/store/memory-run-store.js";
import { MemoryTaskQueue } from "../../dist/store/memory-task-queue.js";
import { connectRedis, type RedisConnection } from "../../dist/store/redis-connection.js";
import { RedisRunStore } from "../../dist/store/redis-run-store.js";
import { RedisTaskQueue } from "../../dist/store/redis-task-queue.js";
import type { CompleteRequest, RunStore } from "../../dist/store/run-store.js";
import type { TaskQueue } from "../../dist/store/task-queue.js";

export interface Backend {
  store: RunStore;
  queue: TaskQueue;
}

export const meta = { manifestHash: "m1", bundleHash: "b1", workflow: "wf", input: "{}", plan: "{}", known: 3 };

export function req(runId: string, instanceId: string, extra: Partial<CompleteRequest> = {}): CompleteRequest {
  return {
    runId,
    instanceId,
    output: `out-${instanceId}`,
    write: "shared",
    dependents: [],
    created: [],
    lengths: [],
    lengthsVersion: 0,
    knownDelta: 0,
    fetch: {},
    ...extra,
  };
}

export const backends: [string, () => Promise<Backend & { close(): Promise<void> }>][] = [
  [
    "memory",
    async () => {
      const store = new MemoryRunStore();
      const queue = new MemoryTaskQueue();
      return {
        store,
        queue,
        close: async () => {
          await store.close();
          await queue.close();
        },
      };
    },
  ],
  [
    "redis",
    async () => {
      const conn: RedisConnection = await connectRedis(inject("redisUrl"));
      const prefix = `t${randomUUID().slice(0, 8)}`;
      const store = new RedisRunStore(conn, prefix);
      const queue = new RedisTaskQueue(conn, prefix);
      return {
        store,
        queue,
        close: async () => {
          await store.close();
          await queue.close();
          conn.disconnect();
        },
      };
    },
  ],
];
