import type { RunGraphError } from "../scheduling/run-graph-error.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { RunStore } from "../store/run-store.js";
import { handoffsByGroup, type TaskQueue } from "../store/task-queue.js";
import type { Chain } from "./chain-batch.js";
import type { RunEventPublisher } from "./run-event-publisher.js";
import type { UseSink } from "./task-clustering.js";
import type { WorkerRun } from "./worker-run-cache.js";

/** What completing needs from its worker. */
export interface CompletionContext {
  store: RunStore;
  queue: TaskQueue;
  group: string;
  workerId: string;
  log: (line: string) => void;
  /** Task events of runs someone listens to. */
  events: RunEventPublisher;
  /** Threads that would stay idle now: neither running a batch nor wanted by a chain waiting to run. */
  freeThreads(): number;
}

/** After completing: chains that continue (with a claimed or a co-located dependent), chains that ended, inherited acks. */
export interface Completed {
  next: Chain[];
  ended: Chain[];
  /** Chains that must also hold the acks of `from` (its output stayed in memory for them). */
  inherit: [to: Chain, from: Chain][];
  /** Chains whose output delayed I/O holds on this worker: not completed, to complete again later. */
  held: Chain[];
  /** The run failed on a graph error. */
  failure?: { inst: TaskInstance; error: RunGraphError };
  /** What the optimizations did, by instance id (recorded in the run's metrics). */
  uses: UseSink;
  /** Per completed instance: ms encoding its output, and bytes of it written to Redis (absent: not written). */
  encodeMs: Map<string, number>;
  stored: Map<string, number>;
}

/**
 * A source completed again (a redelivery: its worker died after its first completion) hands on
 * every instance its recorded expansions created that is ready, beside its dependents (which the
 * completion handles): a fan-out whose callback ignores its element (`xs.map(() => f(c))`) creates
 * instances that never read the source, and the chain its first completion continued with one of
 * them died with that worker. Instances that ran already run again (completions are idempotent).
 */
export async function reannounceExpansion(ctx: CompletionContext, run: WorkerRun, id: string, dependents: readonly TaskInstance[]): Promise<void> {
  const listed = new Set(dependents.map((d) => d.id));
  const created = run.replica.expansionOf(id).filter((d) => !listed.has(d.id));
  if (created.length === 0) return;
  const ready = new Set(
    await ctx.store.readyAmong(
      run.runId,
      created.map((d) => ({ id: d.id, need: d.deps.length })),
    ),
  );
  const again = created.filter((d) => ready.has(d.id));
  if (again.length === 0) return;
  ctx.log(`run ${run.runId} task ${id} redelivered: ${again.length} instances its expansion created handed on again`);
  await handOff(ctx, run, again);
}

export async function handOff(ctx: CompletionContext, run: WorkerRun, ready: TaskInstance[]): Promise<void> {
  ctx.events.queued(run, ready);
  await Promise.all([...handoffsByGroup(run.plan, run.runId, ready)].map(([g, list]) => ctx.queue.push(g, list)));
}
