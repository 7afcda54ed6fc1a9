import type { RunStore } from "../../store/run-store.js";
import type { TaskQueue } from "../../store/task-queue.js";
import type { RunPlan } from "../../scheduling/run-plan.js";

/** Hand-offs looked through per group and check; a longer queue is not searched (no verdict). */
const SCAN_LIMIT = 1_000;

/** The worker groups a plan sends tasks to. */
export function groupsOf(plan: RunPlan): string[] {
  return [...new Set([plan.defaultGroup, ...Object.values(plan.groups ?? {})])];
}

/**
 * Notices a remote run that can no longer finish: it is still running, yet none of its hand-offs
 * is queued or held by a worker in any of its groups, at two checks `intervalMs` apart. Every task
 * of a live run is one or the other (a worker acknowledges a hand-off only once the chains that
 * continued from it have ended), so this means its remaining work was lost. Calls `onStall`
 * once; returns a function that stops watching.
 *
 * @example
 * ```ts
 * const stop = watchForStall(queue, store, runId, ["default"], 2000, () => settle("stalled"));
 * ```
 */
export function watchForStall(
  queue: TaskQueue,
  store: RunStore,
  runId: string,
  groups: readonly string[],
  intervalMs: number,
  onStall: () => void,
): () => void {
  let empty = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void check()
      .then(
        (idle) => {
          empty = idle ? empty + 1 : 0;
          if (empty >= 2) {
            clearInterval(timer);
            onStall();
          }
        },
        () => (empty = 0),
      )
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  // Entries first, then the status: a run that finished in between reads as finished.
  async function check(): Promise<boolean> {
    const held = await Promise.all(groups.map((g) => queue.holdsRun(g, runId, SCAN_LIMIT)));
    if (held.some((h) => h !== false)) return false;
    return (await store.getMeta(runId))?.status === "running";
  }
  return () => clearInterval(timer);
}
