import type { Redis } from "ioredis";
import type { RunStore } from "./run-store.js";
import { runLogChannel, type RunTaskFailure } from "./run-log-channel.js";
import type { RunFailureKind } from "../protocol/run-error-record.js";

const TTL_SECONDS = 24 * 3600;

/** Hash of the run's tasks that the gateway stopped or saw die (task id → {@link RunTaskFailure} JSON). */
export function gatewayFailureKey(run: string): string {
  return `taskloom:gateway-failures:{${run}}`;
}

/**
 * Stores why a task's worker was stopped or died and announces it on the run's log channel, so
 * that the runtime, when it claims the task again, fails or retries it with this message, and a
 * client listening with `logs: true` learns it at once.
 */
export async function recordTaskFailure(redis: Redis, failure: RunTaskFailure): Promise<void> {
  const key = gatewayFailureKey(failure.run);
  const text = JSON.stringify(failure);
  await redis.multi().hset(key, failure.task, text).expire(key, TTL_SECONDS).publish(runLogChannel(failure.run), text).exec();
}

/** The gateway's failure record of a task, if any (for the runtime, when it claims the task again). */
export async function getGatewayTaskFailure(redis: Pick<Redis, "hget">, run: string, task: string): Promise<RunTaskFailure | undefined> {
  const text = await redis.hget(gatewayFailureKey(run), task);
  return text === null ? undefined : (JSON.parse(text) as RunTaskFailure);
}

/** The code and kind of the run's error: the same as when a worker itself stops a task (TL_TASK_TIMEOUT, TL_TASK_OOM). */
const FAILURES: Record<RunTaskFailure["reason"], { code: string; kind: RunFailureKind }> = {
  timeout: { code: "TL_TASK_TIMEOUT", kind: "gateway-timeout" },
  oom: { code: "TL_TASK_OOM", kind: "gateway-oom" },
  "gateway-shutdown": { code: "TL_GATEWAY_SHUTDOWN", kind: "gateway-shutdown" },
};

/**
 * Fails the failure's run in the remote runtime's run store (error record + `failed` event), so
 * that the client's `run()` rejects with the gateway's message. Does nothing to a run that has
 * already ended or that the store does not know.
 */
export async function failRun(store: RunStore, failure: RunTaskFailure): Promise<boolean> {
  const { code, kind } = FAILURES[failure.reason];
  return store.fail(failure.run, {
    instanceId: failure.task,
    task: failure.name ?? failure.task,
    name: "GatewayError",
    message: failure.message,
    stack: `GatewayError: ${failure.message}`,
    code,
    worker: failure.worker,
    kind,
    detail: {
      ...(failure.name ? { taskName: failure.name } : {}),
      ...(failure.attempt ? { attempts: failure.attempt } : {}),
      ...(failure.timeoutMs ? { timeoutMs: failure.timeoutMs } : {}),
      ...(failure.memoryMb ? { memoryMb: failure.memoryMb } : {}),
    },
  });
}
