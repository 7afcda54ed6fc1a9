import type { BatchCompletion } from "../store/run-store.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { decodeStored, encodeRemote } from "../codec/remote-codec.js";
import { groupOf } from "../scheduling/run-plan.js";
import type { Chain } from "./chain-batch.js";
import { continueColocatedBatch } from "./colocated-chains.js";
import type { WorkerRun } from "./worker-run-cache.js";
import { clusteredChain, isLarge, keepsLarge, recordUse } from "./task-clustering.js";
import { delayRequest } from "./delayed-io.js";
import { type Completed, type CompletionContext, handOff, reannounceExpansion } from "./completion-context.js";
import { completeBlocked, tryExpanding } from "./expansion-completion.js";

/** Outputs wider fan-ins read with one HMGET later, not inside the completion script. */
const MAX_INLINE_FETCH = 16;

type DependentSpecs = BatchCompletion["dependents"];

/** Specs of memoized dependent lists when the plan puts every instance in its default group. */
const uniformSpecs = new WeakMap<readonly TaskInstance[], { claimable: boolean; specs: DependentSpecs }>();

/**
 * What the completion script needs of `ds` (the dependents of one item): id, number of inputs and
 * whether this worker's group runs it. Under a plan without per-instance groups (the default) the
 * answer only depends on the list, so it is built once per shape, not once per run.
 */
function dependentSpecs(run: WorkerRun, ds: readonly TaskInstance[], group: string): DependentSpecs {
  const make = (): DependentSpecs => ds.map((d) => ({ id: d.id, need: d.deps.length, claimable: groupOf(run.plan, d) === group }));
  if (run.plan.groups !== undefined) return make();
  const claimable = run.plan.defaultGroup === group;
  let memo = uniformSpecs.get(ds);
  if (!memo || memo.claimable !== claimable) uniformSpecs.set(ds, (memo = { claimable, specs: make() }));
  return memo.specs;
}

/**
 * Completes `chains` (their current instances ran, with `outputs`) in as few round trips as
 * possible: plain completions in one Lua call, expansions one by one under the run's exclusive
 * lock. Each chain continues with at most one dependent it claimed (inputs filled from the
 * batch, the reply, or one HMGET); under a plan with co-location keys, each ready dependent with
 * the key of the task that made it ready continues on a new chain here; the rest are handed off.
 */
export async function completeChains(
  ctx: CompletionContext,
  run: WorkerRun,
  chains: Chain[],
  outputs: unknown[],
  sizes: readonly number[],
): Promise<Completed> {
  const out: Completed = { next: [], ended: [], inherit: [], held: [], uses: new Map(), encodeMs: new Map(), stored: new Map() };
  const ids = chains.map((c) => c.inst.id);
  const byId = new Map(chains.map((c, i) => [c.inst.id, outputs[i]]));
  // Pre-load: the fan-in's other inputs, read while these waited, count as held here (not fetched again).
  for (const c of chains) {
    for (const [id, v] of c.preloaded ?? []) if (!byId.has(id)) byId.set(id, v);
    delete c.preloaded;
  }
  const sizeOf = new Map(chains.map((c, i) => [c.inst.id, sizes[i] ?? 0]));
  const plain: Chain[] = [];
  // Expansions whose other sources are still running: after this batch's plain completions (they may be among them).
  const waiting: Chain[] = [];
  for (const c of chains) {
    if (!run.replica.isBlocked(c.inst.id)) {
      plain.push(c);
      continue;
    }
    const failure = await tryExpanding(ctx, run, c, byId.get(c.inst.id), sizeOf.get(c.inst.id) ?? 0, out);
    if (failure === "pending") {
      waiting.push(c);
      continue;
    }
    if (failure) return { ...out, failure };
  }
  if (plain.length > 0) await run.lock.with(false, () => completePlain(ctx, run, plain, byId, sizeOf, out));
  for (const c of waiting) {
    const failure = await completeBlocked(ctx, run, c, byId.get(c.inst.id), sizeOf.get(c.inst.id) ?? 0, out);
    if (failure === "plain") await run.lock.with(false, () => completePlain(ctx, run, [c], byId, sizeOf, out));
    else if (failure) return { ...out, failure };
  }
  const readyAt = Date.now();
  for (const c of out.next) c.readyAt = readyAt;
  await fillInputs(ctx, run, out);
  const held = new Set(out.held.map((c) => c.inst.id));
  for (const id of ids) if (!held.has(id)) run.localDone.add(id);
  return out;
}

async function completePlain(
  ctx: CompletionContext,
  run: WorkerRun,
  chains: Chain[],
  byId: Map<string, unknown>,
  sizeOf: ReadonlyMap<string, number>,
  out: Completed,
): Promise<void> {
  const encoded: Record<string, string> = {};
  const encode = (id: string): string => {
    const t0 = performance.now();
    const text = encodeRemote(byId.get(id));
    out.encodeMs.set(id, (out.encodeMs.get(id) ?? 0) + performance.now() - t0);
    return text;
  };
  // Task clustering: a large output may claim more ready dependents, as many as threads are free.
  const cluster = chains.flatMap((c, n) => (keepsLarge(run, c.inst, sizeOf.get(c.inst.id) ?? 0, "clustering") ? [n] : []));
  const budget = cluster.length === 0 ? 0 : Math.max(0, ctx.freeThreads() - chains.length);
  for (let attempt = 0; ; attempt++) {
    const items: BatchCompletion[] = [];
    const fetch: Record<string, string[]> = {};
    const deps = chains.map((c) => run.replica.directDependents(c.inst.id));
    const results = run.replica.resultRefs();
    chains.forEach((c, n) => {
      const ds = deps[n]!;
      // An output that an unrecorded expansion reads is stored: the blocked source may expand elsewhere.
      const always = results.has(c.inst.id) || ds.length === 0 || ds.some((d) => groupOf(run.plan, d) !== ctx.group) || run.replica.feedsRead(c.inst.id);
      items.push({ id: c.inst.id, always, dependents: dependentSpecs(run, ds, ctx.group) });
      for (const d of ds) if (d.deps.length <= MAX_INLINE_FETCH) fetch[d.id] = d.deps.filter((x) => !byId.has(x));
    });
    // Send the outputs the script will store, as predicted from what this worker knows is done; a
    // large one only when the script asks for it (sending it for nothing would cost as much as storing it).
    const large = new Set(chains.flatMap((c, n) => (isLarge(run, c.inst, sizeOf.get(c.inst.id) ?? 0) ? [n] : [])));
    const now = Date.now();
    const delay = delayRequest(run, ctx.workerId, chains, items, deps, sizeOf, now);
    for (const n of predictWrites(run, items, byId, new Set(cluster), budget)) if (!large.has(n)) encoded[items[n]!.id] ??= encode(items[n]!.id);
    const res = await ctx.store.completeBatch({
      runId: run.runId,
      lengthsVersion: run.replica.version,
      items,
      outputs: encoded,
      fetch,
      ...(cluster.length > 0 ? { cluster, budget } : {}),
      ...(delay ? { delay } : {}),
    });
    if (res.status === "inactive") {
      out.ended.push(...chains);
      return;
    }
    if (res.status === "resend") {
      for (const id of res.ids) encoded[id] = encode(id);
      continue;
    }
    if (res.status === "stale") {
      if (attempt > 20) throw new Error(`internal: run ${run.runId}: lengths keep changing`);
      run.replica.refresh(await ctx.store.getLengths(run.runId));
      continue;
    }
    // A redelivered source hands on again what its expansion created (its first completion may have died before it did).
    for (const n of res.redelivered) await reannounceExpansion(ctx, run, chains[n]!.inst.id, deps[n]!);
    const unwritten = new Set(res.unwritten);
    const held = new Set(res.held);
    items.forEach((it, n) => {
      const text = encoded[it.id];
      if (!unwritten.has(n) && !held.has(n) && text !== undefined) out.stored.set(it.id, text.length);
    });
    recordDelays(out, chains, deps, delay?.items ?? [], held, unwritten, res.claims, sizeOf, now);
    const claimer = new Map<string, Chain>();
    const claimed = new Map<Chain, TaskInstance>();
    for (const [n, depId] of res.claims) {
      const c = chains[n]!;
      const d = deps[n]!.find((x) => x.id === depId)!;
      claimer.set(depId, c);
      claimed.set(c, d);
    }
    const inherited = new Map<Chain, Set<Chain>>();
    const inherit = (to: Chain, from: Chain): void => {
      let froms = inherited.get(to);
      if (!froms) inherited.set(to, (froms = new Set()));
      if (froms.has(from)) return;
      froms.add(from);
      out.inherit.push([to, from]);
    };
    // Clustered dependents: new chains beside their producer, holding its deliveries.
    const extras = new Map<number, number>();
    for (const [n, depId] of res.extra) {
      const from = chains[n]!;
      const chain = clusteredChain(from, deps[n]!.find((x) => x.id === depId)!, byId, res.fetched);
      claimer.set(depId, chain);
      out.next.push(chain);
      inherit(chain, from);
      extras.set(n, (extras.get(n) ?? 0) + 1);
    }
    for (const [n, count] of extras) recordUse(out.uses, chains[n]!.inst.id, { cl: count });
    for (const n of res.unwritten) {
      if (extras.has(n)) recordUse(out.uses, chains[n]!.inst.id, { ns: sizeOf.get(chains[n]!.inst.id) ?? 0 });
      for (const d of deps[n]!) {
        const to = claimer.get(d.id);
        if (to && to !== chains[n]) inherit(to, chains[n]!);
      }
    }
    if (res.handoffs.length > 0 && run.plan.colocate !== undefined) {
      // Ready dependents that share the key of the task that made them ready stay on this worker.
      await handOff(ctx, run, continueColocatedBatch(run.plan, ctx.group, chains, deps, res.handoffs, byId, out));
    } else if (res.handoffs.length > 0) {
      const all = new Map<string, TaskInstance>();
      for (const ds of deps) for (const d of ds) all.set(d.id, d);
      await handOff(
        ctx,
        run,
        res.handoffs.map((id) => all.get(id)!),
      );
    }
    chains.forEach((c, n) => {
      if (held.has(n)) out.held.push(c);
    });
    for (const c of chains) {
      const d = claimed.get(c);
      if (!d) {
        if (!out.held.includes(c)) out.ended.push(c);
        continue;
      }
      const inputs = new Map<string, unknown>();
      const t0 = performance.now();
      let bytes = 0;
      c.fetched = 0;
      for (const x of d.deps) {
        if (byId.has(x)) inputs.set(x, byId.get(x));
        else if (res.fetched[x] !== undefined) {
          bytes += res.fetched[x].length;
          c.fetched++;
          inputs.set(x, decodeStored(res.fetched[x], `stored output of instance ${x}`, run.maxValueBytes, x));
        }
      }
      c.inst = d;
      c.inputs = inputs;
      c.failures = 0;
      c.fetchBytes = bytes;
      c.fetchMs = bytes > 0 ? performance.now() - t0 : 0;
      out.next.push(c);
    }
    return;
  }
}

/**
 * What delayed I/O did in one batch completion: an item held before that completed now records
 * how long it was held (and its bytes, when they were not stored); a fan-in that a delayed item
 * claimed ran on the worker holding its largest input (task clustering on fan-ins). An item held
 * now starts its delay.
 */
function recordDelays(
  out: Completed,
  chains: readonly Chain[],
  deps: readonly (readonly TaskInstance[])[],
  delayed: readonly { index: number; yieldToLarger: boolean }[],
  held: ReadonlySet<number>,
  unwritten: ReadonlySet<number>,
  claims: ReadonlyMap<number, string>,
  sizeOf: ReadonlyMap<string, number>,
  now: number,
): void {
  for (const { index: n, yieldToLarger } of delayed) {
    const c = chains[n]!;
    if (held.has(n)) {
      c.heldSince ??= now;
      continue;
    }
    if (c.heldSince !== undefined) {
      recordUse(out.uses, c.inst.id, { dl: Math.max(0, now - c.heldSince), ...(unwritten.has(n) ? { ns: sizeOf.get(c.inst.id) ?? 0 } : {}) });
      delete c.heldSince;
    }
    const claim = claims.get(n);
    const d = claim === undefined ? undefined : deps[n]!.find((x) => x.id === claim);
    if (yieldToLarger && d !== undefined && d.deps.length > 1) recordUse(out.uses, d.id, { fi: 1 });
  }
}

/** Items whose outputs the script will store if this worker's view of what is done is right. */
function predictWrites(run: WorkerRun, items: BatchCompletion[], byId: Map<string, unknown>, cluster: ReadonlySet<number>, budget: number): number[] {
  const ready = new Map<string, boolean>();
  const claimed = new Set<string>();
  const isReady = (id: string): boolean => {
    let r = ready.get(id);
    if (r === undefined) {
      const inst = run.replica.instance(id);
      r = inst?.deps.every((x) => byId.has(x) || run.localDone.has(x)) === true;
      ready.set(id, r);
    }
    return r;
  };
  // The script's claims: the first ready dependent of each item, more for `cluster` items while the budget lasts.
  items.forEach((it, n) => {
    let first = true;
    for (const d of it.dependents) {
      if (!d.claimable || claimed.has(d.id) || !isReady(d.id)) continue;
      if (!first && budget-- <= 0) break;
      claimed.add(d.id);
      first = false;
      if (!cluster.has(n)) break;
    }
  });
  const writes: number[] = [];
  items.forEach((it, n) => {
    if (it.always || it.dependents.length === 0 || it.dependents.some((d) => !claimed.has(d.id))) writes.push(n);
  });
  return writes;
}

/**
 * Reads the inputs continuing chains do not hold (wide fan-ins) in one HMGET. A chain whose
 * input is missing ends: after a crash, the redelivered chain that holds it runs the task.
 */
async function fillInputs(ctx: CompletionContext, run: WorkerRun, out: Completed): Promise<void> {
  const missing = new Set<string>();
  for (const c of out.next) for (const x of c.inst.deps) if (!c.inputs.has(x)) missing.add(x);
  if (missing.size === 0) return;
  const ids = [...missing];
  const t0 = performance.now();
  const values = await ctx.store.readOutputs(run.runId, ids);
  const got = new Map<string, unknown>();
  const size = new Map<string, number>();
  let total = 0;
  ids.forEach((id, i) => {
    const v = values[i];
    if (v === undefined) return;
    got.set(id, decodeStored(v, `stored output of instance ${id}`, run.maxValueBytes, id));
    size.set(id, v.length);
    total += v.length;
  });
  const ms = performance.now() - t0;
  out.next = out.next.filter((c) => {
    for (const x of c.inst.deps) {
      if (c.inputs.has(x) || !got.has(x)) continue;
      c.inputs.set(x, got.get(x));
      const bytes = size.get(x) ?? 0;
      c.fetchBytes += bytes;
      c.fetched++;
      c.fetchMs += total > 0 ? (ms * bytes) / total : 0;
    }
    if (c.inst.deps.every((x) => c.inputs.has(x))) return true;
    ctx.log(`run ${run.runId} task ${c.inst.id} left to the redelivered chain holding its inputs`);
    out.ended.push(c);
    return false;
  });
}
