import { decodeStored, encodeRemote } from "../codec/remote-codec.js";
import { MissingOutputsError, type Expansion } from "../scheduling/graph-replica.js";
import { RunGraphError } from "../scheduling/run-graph-error.js";
import { groupOf } from "../scheduling/run-plan.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { Chain } from "./chain-batch.js";
import { continueColocated } from "./colocated-chains.js";
import { type Completed, type CompletionContext, handOff, reannounceExpansion } from "./completion-context.js";
import { clusteredChain, keepsLarge, recordUse } from "./task-clustering.js";
import type { WorkerRun } from "./worker-run-cache.js";

// Completions that expand the graph: a task whose completion reads a length nobody recorded yet
// (a fan-out over its output, a branch test), done under the run's exclusive lock.

/** Completes a chain whose completion expands the graph (it read a length nobody recorded). */
async function completeExpanding(
  ctx: CompletionContext,
  run: WorkerRun,
  c: Chain,
  output: unknown,
  size: number,
  out: Completed,
): Promise<Completed["failure"]> {
  const held = new Map(c.inputs).set(c.inst.id, output);
  // Task clustering: a large fan-out source keeps as many ready dependents as threads are free,
  // and is sent (and stored) only when some dependent cannot run here.
  const clusters = keepsLarge(run, c.inst, size, "clustering");
  const budget = clusters ? Math.max(0, ctx.freeThreads() - 1) : 0;
  const encode = (): string => {
    const t0 = performance.now();
    const text = encodeRemote(output);
    out.encodeMs.set(c.inst.id, (out.encodeMs.get(c.inst.id) ?? 0) + performance.now() - t0);
    return text;
  };
  let encoded = clusters ? "" : encode();
  let expansion: Expansion | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      expansion ??= await expandWith(ctx, run, c.inst, held);
    } catch (error) {
      if (error instanceof RunGraphError) return { inst: c.inst, error };
      throw error;
    }
    const created = new Set(expansion.created.map((x) => x.id));
    const dependents = run.replica.waitingDependents(c.inst.id).filter((d) => !created.has(d.id));
    const all = [...dependents, ...expansion.created];
    const here = all.length > 0 && !run.replica.resultRefs().has(c.inst.id) && all.every((d) => groupOf(run.plan, d) === ctx.group);
    const res = await ctx.store.complete({
      runId: run.runId,
      instanceId: c.inst.id,
      output: encoded,
      write: clusters && here ? `keep:${budget + 1}` : "always",
      dependents: dependents.map((d) => ({ id: d.id, need: d.deps.length })),
      created: expansion.created.map((x) => ({ id: x.id, need: x.deps.length, deps: [...x.deps] })),
      lengths: expansion.lengths,
      lengthsVersion: run.replica.version - expansion.lengths.length,
      knownDelta: expansion.created.length,
      fetch: {},
    });
    if (res.status === "inactive") {
      out.ended.push(c);
      return undefined;
    }
    if (res.status === "resend") {
      encoded = encode();
      continue;
    }
    if (res.status === "stale") {
      if (attempt > 20) throw new Error(`internal: run ${run.runId}: lengths keep changing under instance ${c.inst.id}`);
      run.replica.refresh(await ctx.store.getLengths(run.runId));
      expansion = undefined;
      continue;
    }
    if (res.written) out.stored.set(c.inst.id, encoded.length);
    if (res.redelivered) await reannounceExpansion(ctx, run, c.inst.id, all);
    ctx.events.expanded(run, expansion.created.length);
    const ready = all.filter((d) => res.ready.includes(d.id));
    const mine = ready.filter((d) => groupOf(run.plan, d) === ctx.group);
    const keep = mine[0];
    const extra = clusters ? mine.slice(1, 1 + budget) : [];
    for (const d of extra) {
      const chain = clusteredChain(c, d, held, {});
      out.next.push(chain);
      out.inherit.push([chain, c]);
    }
    if (extra.length > 0) recordUse(out.uses, c.inst.id, { cl: extra.length, ...(res.written ? {} : { ns: size }) });
    const others = ready.filter((d) => d !== keep && !extra.includes(d));
    await handOff(ctx, run, run.plan.colocate === undefined ? others : continueColocated(run.plan, ctx.group, c, others, held, out));
    if (!keep) {
      out.ended.push(c);
      return undefined;
    }
    c.inputs = new Map(keep.deps.filter((x) => held.has(x)).map((x) => [x, held.get(x)]));
    c.inst = keep;
    c.failures = 0;
    c.fetchMs = 0;
    c.fetchBytes = 0;
    c.fetched = 0;
    out.next.push(c);
    return undefined;
  }
}

/** An expansion reads the output of an instance that has not completed yet (a test over two tasks). */
class SourcesPending extends Error {
  constructor(readonly id: string) {
    super(`the output of ${id} is not in the store yet`);
  }
}

/** Longest wait between two attempts of an expansion whose other sources are still running (ms). */
const MAX_PENDING_DELAY_MS = 200;

/**
 * Completes a chain that expands the graph. The expansion may read outputs of instances still
 * running elsewhere (a branch test or a fan-out over several tasks: the replica blocks only one of
 * them): then it waits outside the run's lock and tries again, with the replica refreshed (newer
 * lengths may have made another source the one that expands; then this one completes plainly).
 */
export async function completeBlocked(
  ctx: CompletionContext,
  run: WorkerRun,
  c: Chain,
  output: unknown,
  size: number,
  out: Completed,
): Promise<Completed["failure"] | "plain"> {
  for (let attempt = 0; ; attempt++) {
    await new Promise((r) => setTimeout(r, Math.min(MAX_PENDING_DELAY_MS, 5 * 2 ** attempt)));
    const meta = attempt % 10 === 9 ? await ctx.store.getMeta(run.runId) : undefined;
    if (run.over || (meta !== undefined && meta.status !== "running")) {
      out.ended.push(c);
      return undefined;
    }
    run.replica.refresh(await ctx.store.getLengths(run.runId));
    if (!run.replica.isBlocked(c.inst.id)) return "plain";
    const failure = await tryExpanding(ctx, run, c, output, size, out);
    if (failure !== "pending") return failure;
  }
}

/** One attempt at an expanding completion; `pending` when another source's output is not stored yet. */
export async function tryExpanding(
  ctx: CompletionContext,
  run: WorkerRun,
  c: Chain,
  output: unknown,
  size: number,
  out: Completed,
): Promise<Completed["failure"] | "pending"> {
  try {
    return await run.lock.with(true, () => completeExpanding(ctx, run, c, output, size, out));
  } catch (error) {
    if (error instanceof SourcesPending) return "pending";
    throw error;
  }
}

async function expandWith(ctx: CompletionContext, run: WorkerRun, inst: TaskInstance, held: Map<string, unknown>): Promise<Expansion> {
  for (;;) {
    try {
      return run.replica.completeReal(inst.id, held);
    } catch (error) {
      if (!(error instanceof MissingOutputsError)) throw error;
      const values = await ctx.store.readOutputs(run.runId, error.missing);
      error.missing.forEach((id, i) => {
        const v = values[i];
        if (v === undefined) throw new SourcesPending(id);
        held.set(id, decodeStored(v, `stored output of instance ${id}`, run.maxValueBytes, id));
      });
    }
  }
}
