import type { TaskQueue } from "../../store/task-queue.js";

/** How long hand-offs may wait in a group no worker takes from before the client says so (ms). */
export const NO_WORKER_WARNING_MS = 10_000;

/** What {@link watchForWorkers} watches, and how it tells. */
export interface WorkerWaitWatch {
  queue: TaskQueue;
  runId: string;
  workflow: string;
  groups: readonly string[];
  /** The Redis URL as it may be shown (redacted), for the command the message suggests. */
  shownUrl: string;
  intervalMs: number;
  /** Default {@link NO_WORKER_WARNING_MS}. */
  afterMs?: number;
  /** Told once per group; default `process.emitWarning(message, { code: "TL_NO_WORKER" })`. */
  warn?: (message: string, group: string) => void;
}

/**
 * Notices a remote run whose work waits in a worker group that no worker serves: hand-offs wait
 * there, none is held by a worker, and none was delivered for `afterMs` (a live worker takes one
 * within its 200 ms poll; a gateway starts one in a few seconds). Such a run does not fail (a
 * worker may still come, and the run then goes on) but would wait silently: the client warns
 * once per group, naming it and how to serve it. Returns a function that stops watching.
 */
export function watchForWorkers(watch: WorkerWaitWatch): () => void {
  const afterMs = watch.afterMs ?? NO_WORKER_WARNING_MS;
  const warn = watch.warn ?? ((message: string) => process.emitWarning(message, { code: "TL_NO_WORKER" }));
  const since = new Map<string, { lastDelivered: string; at: number }>();
  const warned = new Set<string>();
  let busy = false;
  const check = async (group: string): Promise<void> => {
    const d = await watch.queue.deliveries(group);
    const now = Date.now();
    const seen = since.get(group);
    if (d.waiting === 0 || d.held > 0 || !seen || seen.lastDelivered !== d.lastDelivered) {
      since.set(group, { lastDelivered: d.lastDelivered, at: now });
      return;
    }
    if (now - seen.at < afterMs || (await watch.queue.holdsRun(group, watch.runId, 1_000)) === false) return;
    warned.add(group);
    const flag = group === "default" ? "" : ` --group ${group}`;
    warn(
      `run ${watch.runId} of ${watch.workflow}: ${d.waiting} task hand-off(s) wait in worker group "${group}" and no dag-worker ` +
        `has taken one for ${Math.round((now - seen.at) / 1000)} s; start one (node node_modules/@taskloom/runtime/bin/dag-worker.js ` +
        `--redis ${watch.shownUrl}${flag}) or a dag-gateway with a configuration "${group}": the run goes on when one comes`,
      group,
    );
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void Promise.all(watch.groups.filter((g) => !warned.has(g)).map((g) => check(g).catch(() => undefined))).finally(() => (busy = false));
  }, watch.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
