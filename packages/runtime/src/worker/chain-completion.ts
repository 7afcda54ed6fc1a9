import type { BatchCompletion, RunStore } from "../store/run-store.js";
import type { TaskQueue } from "../store/task-queue.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { RunGraphError } from "../scheduling/run-graph-error.js";
import { decodeStored, encodeRemote } from "../codec/remote-codec.js";
import { MissingOutputsError, type Expansion } from "../scheduling/graph-replica.js";
import { groupOf } from "../scheduling/run-plan.js";
import { handoffsByGroup } from "../store/task-queue.js";
import type { Chain } from "./chain-batch.js";
import { continueColocated, continueColocatedBatch } from "./colocated-chains.js";
import type { WorkerRun } from "./worker-run-cache.js";
import type { RunEventPublisher } from "./run-event-publisher.js";
import { clusteredChain, isLarge, keepsLarge, recordUse, type UseSink } from "./task-clustering.js";
import { delayRequest } from "./delayed-io.js";

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
 * A source completed again (a redelivery: its worker died after its first completion) hands on
 * every instance its recorded expansions created that is ready, beside its dependents (which the
 * completion handles): a fan-out whose callback ignores its element (`xs.map(() => f(c))`) creates
 * instances that never read the source, and the chain its first completion continued with one of
 * them died with that worker. Instances that ran already run again (completions are idempotent).
 */
async function reannounceExpansion(ctx: CompletionContext, run: WorkerRun, id: string, dependents: readonly TaskInstance[]): Promise<void> {
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

async function handOff(ctx: CompletionContext, run: WorkerRun, ready: TaskInstance[]): Promise<void> {
  ctx.events.queued(run, ready);
  await Promise.all([...handoffsByGroup(run.plan, run.runId, ready)].map(([g, list]) => ctx.queue.push(g, list)));
}

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
async function completeBlocked(
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
async function tryExpanding(
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
