/**
 * The worker side of the gateway protocol (worker-protocol.ts): when a `dag-worker` runs under a
 * gateway (`TASKLOOM_GATEWAY=1`), the remote runtime's {@link RemoteWorker} reports `ready` and
 * each task's `task-start` (with the task's `timeoutMs` and `retries` options and its attempt) and
 * `task-end` through a {@link TaskObserver}, written synchronously on fd 1 (worker-event-writer.ts)
 * in order with the tasks' own lines, which worker threads write there too (thread-log-tag.ts).
 */
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { WorkerRun } from "./worker-run-cache.js";
import type { GatewayStore } from "../store/gateway-store.js";
import { emitWorkerEvent } from "../protocol/worker-event-writer.js";
import { taskNameOf } from "../protocol/manifest-check.js";

/** What a worker tells about its tasks; the remote runtime calls it around each task it runs. */
export interface TaskObserver {
  /** The worker serves its queue. */
  ready(): void;
  /** `inst` of `run` is about to run on a thread. */
  started(run: WorkerRun, inst: TaskInstance): Promise<void>;
  /** `inst` ended: completed and recorded (`ok`), or failed. */
  ended(run: WorkerRun, inst: TaskInstance, ok: boolean): void;
  /** The observer of one hand-off's chain: its first task names the stream entry it came from. */
  forHandoff(entryId: string): TaskObserver;
}

/** Whether this process runs under a worker gateway. */
export function underGateway(): boolean {
  return process.env.TASKLOOM_GATEWAY === "1";
}

/**
 * The observer of a worker under a gateway, or `undefined` elsewhere. Task options come from the
 * manifest; the attempt is 1 plus the attempt of the gateway's last failure record of the task.
 */
export function gatewayTaskObserver(records: GatewayStore): TaskObserver | undefined {
  if (!underGateway()) return undefined;
  const observer = (entryId: string | undefined): TaskObserver => ({
    ready: () => emitWorkerEvent({ event: "ready" }),
    forHandoff: (id) => observer(id),
    async started(run, inst) {
      const options = run.taskOptions(inst.task);
      const failure = await records.taskFailure(run.runId, inst.id).catch(() => undefined);
      emitWorkerEvent({
        event: "task-start",
        run: run.runId,
        task: inst.id,
        name: taskNameOf(run.manifest, inst.task),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        attempt: (failure?.attempt ?? 0) + 1,
        retries: options.retries ?? 0,
        ...(entryId !== undefined ? { entryId } : {}),
      });
      entryId = undefined;
    },
    ended: (run, inst, ok) => emitWorkerEvent({ event: "task-end", run: run.runId, task: inst.id, ok }),
  });
  return observer(undefined);
}
