/**
 * The worker side of the gateway protocol (worker-protocol.ts): when a `dag-worker` runs under a
 * gateway (`TASKLOOM_GATEWAY=1`), the remote runtime's {@link RemoteWorker} reports `ready` and
 * each task's `task-start` (with the task's `timeoutMs` and `retries` options and its attempt) and
 * `task-end` through a {@link TaskObserver}, written synchronously on fd 1 (worker-event-writer.ts)
 * in order with the tasks' own lines, which worker threads write there too (thread-log-tag.ts).
 */
import type { TaskOptions } from "@taskloom/sdk";
import { getTaskOptions } from "@taskloom/sdk";
import type { Redis, Cluster } from "ioredis";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { WorkerRun } from "./worker-run-cache.js";
import { getGatewayTaskFailure } from "../store/task-failure-record.js";
import { emitWorkerEvent } from "../protocol/worker-event-writer.js";

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

type Bundle = Record<string, object | undefined>;

/**
 * The observer of a worker under a gateway, or `undefined` elsewhere. Task options are read from
 * the task bundle's decorators (the bundle is imported once per content hash in the worker's main
 * thread); the attempt is 1 plus the attempt of the gateway's last failure record of the task.
 */
export function gatewayTaskObserver(redis: Redis | Cluster): TaskObserver | undefined {
  if (!underGateway()) return undefined;
  const bundles = new Map<string, Promise<Bundle | undefined>>();
  const optionsOf = async (run: WorkerRun, inst: TaskInstance): Promise<Readonly<TaskOptions>> => {
    const info = run.manifest.tasks[inst.task];
    if (!info) return {};
    let bundle = bundles.get(run.bundleUrl);
    if (!bundle) {
      bundle = (import(run.bundleUrl) as Promise<Bundle>).catch(() => undefined);
      bundles.set(run.bundleUrl, bundle);
    }
    const target = (await bundle)?.[info.exportName];
    return (target && getTaskOptions(target, info.method)) ?? {};
  };
  const observer = (entryId: string | undefined): TaskObserver => ({
    ready: () => emitWorkerEvent({ event: "ready" }),
    forHandoff: (id) => observer(id),
    async started(run, inst) {
      const [options, failure] = await Promise.all([optionsOf(run, inst), getGatewayTaskFailure(redis, run.runId, inst.id).catch(() => undefined)]);
      const info = run.manifest.tasks[inst.task];
      emitWorkerEvent({
        event: "task-start",
        run: run.runId,
        task: inst.id,
        name: options.name ?? (info ? `${info.exportName}.${info.method}` : inst.task),
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
