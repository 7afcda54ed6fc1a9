import type { RunStore } from "../storage/run-store.js";
import type { Handoff, TaskQueue } from "../transport/task-queue.js";
import type { SharedPool } from "../local/pool-set.js";
import type { ThreadError } from "../local/thread-messages.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { RunGraphError } from "../scheduling/run-graph-error.js";
import { decodeRemote, encodeRemote } from "./remote-codec.js";
import { MissingOutputsError, type Expansion } from "./graph-replica.js";
import { groupOf } from "./run-plan.js";
import { runTask } from "./run-task.js";
import type { WorkerRun, WorkerRunCache } from "./worker-run-cache.js";
import type { TaskObserver } from "../gateway/worker-events.js";

/** What a chain needs from its worker. */
export interface ChainContext {
  workerId: string;
  group: string;
  store: RunStore;
  queue: TaskQueue;
  pool: SharedPool;
  runs: WorkerRunCache;
  log: (line: string) => void;
  /** Whether this worker has run no task yet (its first task is cold). */
  cold: () => boolean;
  /** Told of each task's start and end (a worker under a gateway reports them to it). */
  observer?: TaskObserver | undefined;
}

/**
 * Runs a handed-off task instance, then keeps going with one dependent that became ready (its
 * input is in memory), handing the other ready ones to their groups' queues. Resolves when the
 * chain ends; the caller then acknowledges the hand-off (work of a dead worker is redelivered).
 */
export async function runChain(ctx: ChainContext, runId: string, firstId: string): Promise<void> {
  const run = await ctx.runs.get(runId);
  if (!run) return;
  const held = new Map<string, unknown>();
  let next: string | undefined = firstId;
  while (next !== undefined) {
    run.lastUsed = Date.now();
    next = await step(ctx, run, next, held);
  }
}

async function refresh(ctx: ChainContext, run: WorkerRun): Promise<void> {
  run.replica.refresh(await ctx.store.getLengths(run.runId));
}

async function fetchInputs(ctx: ChainContext, run: WorkerRun, ids: string[], held: Map<string, unknown>): Promise<void> {
  const missing = ids.filter((id) => !held.has(id));
  if (missing.length === 0) return;
  const values = await ctx.store.readOutputs(run.runId, missing);
  missing.forEach((id, i) => {
    const v = values[i];
    if (v === undefined) throw new Error(`internal: the output of ${id} is not in the store`);
    held.set(id, decodeRemote(v));
  });
}

async function fail(ctx: ChainContext, run: WorkerRun, inst: TaskInstance, e: { name: string; message: string; stack?: string; code?: string }): Promise<void> {
  ctx.log(`run ${run.runId} task ${inst.id} (${inst.task}) failed: ${e.message}`);
  await ctx.store.fail(run.runId, {
    instanceId: inst.id, task: inst.task, name: e.name, message: e.message, stack: e.stack ?? `${e.name}: ${e.message}`,
    worker: ctx.workerId, ...(e.code ? { code: e.code } : {}),
  });
}

/** Completes `inst` in the replica: the expansions it triggers; undefined when that failed the run. */
async function expand(ctx: ChainContext, run: WorkerRun, inst: TaskInstance, held: Map<string, unknown>): Promise<Expansion | undefined> {
  for (;;) {
    try {
      return run.replica.completeReal(inst.id, held);
    } catch (error) {
      if (error instanceof MissingOutputsError) await fetchInputs(ctx, run, error.missing, held);
      else if (error instanceof RunGraphError) {
        await fail(ctx, run, inst, { name: error.name, message: error.message, code: error.code, ...(error.stack ? { stack: error.stack } : {}) });
        return undefined;
      } else throw error;
    }
  }
}

/** Runs one instance; returns the id of the dependent to continue with, if any. */
async function step(ctx: ChainContext, run: WorkerRun, id: string, held: Map<string, unknown>): Promise<string | undefined> {
  let inst = run.replica.instance(id);
  if (!inst) {
    await refresh(ctx, run);
    inst = run.replica.instance(id);
    if (!inst) throw new Error(`internal: run ${run.runId} has no instance ${id} with the recorded lengths`);
  }
  await fetchInputs(ctx, run, [...inst.deps], held);
  const cold = ctx.cold() || run.coldBundle;
  run.coldBundle = false;
  ctx.log(`run ${run.runId} task ${inst.id} start`);
  await ctx.observer?.started(run, inst);
  const outcome = await runTask(ctx.pool, run, inst, held);
  if (!outcome.ok) {
    await fail(ctx, run, inst, outOfMemory(ctx, outcome.error));
    ctx.observer?.ended(run, inst, false);
    return undefined;
  }
  held.set(inst.id, outcome.output);
  const output = encodeRemote(outcome.output);
  const metrics = JSON.stringify({
    i: inst.id, t: inst.task, w: ctx.workerId, th: outcome.threadId, s: outcome.startedAt, e: outcome.finishedAt,
    bi: outcome.inputBytes, bo: outcome.outputBytes, c: cold,
  });
  const expands = run.replica.isBlocked(inst.id);
  const next = run.lock.with(expands, () => finish(ctx, run, inst, held, output, metrics));
  if (!ctx.observer) return next;
  return next.finally(() => ctx.observer?.ended(run, inst, true));
}

/** A thread that died of its heap limit: say so with the worker group and the limit. */
function outOfMemory(ctx: ChainContext, e: ThreadError): ThreadError {
  if (e.code !== "ERR_WORKER_OUT_OF_MEMORY") return e;
  const limit = ctx.pool.memoryMb === undefined ? "its heap limit" : `its heap limit of ${ctx.pool.memoryMb} MB`;
  return { ...e, name: "TaskOutOfMemoryError", code: "TL_TASK_OOM", message: `ran out of memory in worker group "${ctx.group}": the thread reached ${limit} (${e.message})` };
}

/** Records the completion of `inst` and hands on or keeps its ready dependents. */
async function finish(ctx: ChainContext, run: WorkerRun, inst: TaskInstance, held: Map<string, unknown>, output: string, metrics: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    const expansion = await expand(ctx, run, inst, held);
    if (!expansion) return undefined;
    const created = new Set(expansion.created.map((c) => c.id));
    // dependents() also lists readers of maps/reduces this instance fed; count only direct readers.
    const dependents = run.replica.dependents(inst.id).filter((d) => !created.has(d.id) && d.deps.includes(inst.id));
    const all = [...dependents, ...expansion.created];
    const mine = all.filter((d) => groupOf(run.plan, d) === ctx.group);
    const always = run.replica.resultRefs().has(inst.id) || mine.length !== all.length || all.length === 0;
    const fetch: Record<string, string[]> = {};
    // Inputs come back with the reply only for small fan-ins; a wide one reads them in one HMGET later.
    for (const d of mine) if (d.deps.length <= 16) fetch[d.id] = d.deps.filter((dep) => dep !== inst.id && !held.has(dep));
    const res = await ctx.store.complete({
      runId: run.runId, instanceId: inst.id, output, write: always ? "always" : "shared",
      dependents: dependents.map((d) => ({ id: d.id, need: d.deps.length })),
      created: expansion.created.map((c) => ({ id: c.id, need: c.deps.length, deps: [...c.deps] })),
      lengths: expansion.lengths, lengthsVersion: run.replica.version - expansion.lengths.length,
      knownDelta: expansion.created.length, fetch, metrics,
    });
    if (res.status === "inactive") {
      ctx.runs.forget(run.runId);
      return undefined;
    }
    if (res.status === "stale") {
      if (attempt > 20) throw new Error(`internal: run ${run.runId}: lengths keep changing under instance ${inst.id}`);
      await refresh(ctx, run);
      continue;
    }
    ctx.log(`run ${run.runId} task ${inst.id} end`);
    const ready = all.filter((d) => res.ready.includes(d.id));
    const keep = ready.find((d) => groupOf(run.plan, d) === ctx.group);
    const handoffs = new Map<string, Handoff[]>();
    for (const d of ready) {
      if (d === keep) continue;
      const g = groupOf(run.plan, d);
      handoffs.set(g, [...(handoffs.get(g) ?? []), { runId: run.runId, instanceId: d.id }]);
    }
    await Promise.all([...handoffs].map(([g, list]) => ctx.queue.push(g, list)));
    if (!keep) return undefined;
    for (const [depId, text] of Object.entries(res.fetched)) held.set(depId, decodeRemote(text));
    // After a crash, an input may be missing: its producer kept `keep` in memory, and that
    // producer's own hand-off (never acknowledged) is redelivered and runs `keep` instead.
    const missing = keep.deps.filter((dep) => !held.has(dep));
    const values = missing.length > 0 ? await ctx.store.readOutputs(run.runId, missing) : [];
    missing.forEach((dep, i) => {
      const v = values[i];
      if (v !== undefined) held.set(dep, decodeRemote(v));
    });
    if (keep.deps.some((dep) => !held.has(dep))) {
      ctx.log(`run ${run.runId} task ${keep.id} left to the redelivered chain holding its inputs`);
      return undefined;
    }
    for (const k of [...held.keys()]) if (k !== inst.id && !keep.deps.includes(k)) held.delete(k);
    return keep.id;
  }
}
