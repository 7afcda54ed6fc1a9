import type { RunStore } from "./run-store.js";
import type { RunTaskFailure } from "./run-log-channel.js";
import type { RunFailureKind } from "../protocol/run-error-record.js";

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
