import type { Value } from "@taskloom/sdk/internal";
import type { TaskInstance } from "../../scheduling/task-instance.js";
import type { CompactItems } from "../../protocol/thread-messages.js";

/** Strings at least this long are sent once per batch however many items read them. */
const SHARED_STRING_MIN_LENGTH = 1024;

/** What the batch builder asks of the run. */
export interface BatchSource {
  /** Known instances that read `id`'s result (the scheduler's `dependents`). */
  dependents(id: string): readonly TaskInstance[];
  /** Whether the run tracks `id` already (ready, running, done or waiting for a retry). */
  tracked(id: string): boolean;
  /** Whether `id`'s result is in the main thread. */
  done(id: string): boolean;
  /** Whether `task` may join a batch of pool `poolKey` beyond its seeds (same pool, no per-call timeout). */
  joinable(task: string, poolKey: string): boolean;
  /** Whether a result of node `nodeId` may stay on the thread when all its readers are in the batch. */
  workerLocal(nodeId: string): boolean;
  /** The reduce whose items are node `nodeId`'s results and nothing else reads (see `findReduceLeaves`). */
  reduceOf(nodeId: string): string | undefined;
  /** Where a task's function lives in the bundle. */
  locate(task: string): { exportName: string; method: string };
  /** A result still in packed form (forwarded to the thread as is), if it is one. */
  packed(id: string): Uint8Array | undefined;
  /** Reads a main-thread value (input, results) for arguments. */
  resolve(value: Value): unknown;
}

/** A batch ready to send: its instances in run order and the message parts. */
export interface PlannedBatch {
  instances: TaskInstance[];
  /** Per instance, 1 when it was ready when picked (a seed); 0 when it joined as a chain link or subtree join. */
  seed: Uint8Array;
  /** The items in compact form (see {@link CompactItems}). */
  compact: CompactItems;
  /** Per instance, 1 when the main thread needs its result back. */
  keep: Uint8Array;
  /** Values the items read by index (`-i - 1` refs, `$i` in general arguments). */
  values: unknown[];
  /** Indices of `values` holding packed results (as strings, the worker's keys). */
  packedKeys: string[];
  /** The instance whose result each of `packedKeys` holds. */
  packedIds: string[];
}

/** Learns which nodes never chain, so their (possibly costly) dependents are not asked again. */
export class ChainLearner {
  private readonly misses = new Map<string, number>();
  private readonly hits = new Set<string>();
  worthTrying(nodeId: string): boolean {
    return this.hits.has(nodeId) || (this.misses.get(nodeId) ?? 0) < 16;
  }
  record(nodeId: string, joined: boolean): void {
    if (joined) this.hits.add(nodeId);
    else this.misses.set(nodeId, (this.misses.get(nodeId) ?? 0) + 1);
  }
}

/**
 * Builds a batch from ready `seeds`: adds the instances that can run right after them on the same
 * thread (a single dependent of an instance, i.e. a chain link, or a join of two or more batch
 * members, i.e. a reduction subtree), decides which results must come back to the main thread,
 * and binds arguments: packed results are forwarded, everything else the main thread knows becomes
 * a value sent with the batch.
 */
export function planBatch(seeds: TaskInstance[], poolKey: string, source: BatchSource, learner: ChainLearner, limit: number): PlannedBatch {
  const instances = seeds.slice();
  const index = new Map<string, number>();
  for (let i = 0; i < seeds.length; i++) index.set((seeds[i] as TaskInstance).id, i);
  const readers: (readonly TaskInstance[] | undefined)[] = [];
  for (let i = 0; i < instances.length; i++) {
    const x = instances[i] as TaskInstance;
    if (!learner.worthTrying(x.nodeId) && !source.workerLocal(x.nodeId) && source.reduceOf(x.nodeId) === undefined) continue;
    const deps = source.dependents(x.id);
    readers[i] = deps;
    let joined = false;
    for (const y of deps) {
      if (instances.length >= limit) break;
      if (index.has(y.id) || source.tracked(y.id) || !source.joinable(y.task, poolKey)) continue;
      let inside = 0;
      let ok = true;
      for (const d of y.deps) {
        if (index.has(d)) inside++;
        else if (!source.done(d)) {
          ok = false;
          break;
        }
      }
      if (ok && (deps.length === 1 || inside >= 2)) {
        index.set(y.id, instances.length);
        instances.push(y);
        joined = true;
      }
    }
    learner.record(x.nodeId, joined);
  }
  depthFirst(instances, seeds.length, index, readers);
  const values: unknown[] = [];
  const packedKeys: string[] = [];
  const packedIds: string[] = [];
  const valueIndex = new Map<string, number>();
  // A ref to a result: the batch item that makes it, else a value (packed results forwarded as they are).
  const ref = (id: string): number => {
    const at = index.get(id);
    if (at !== undefined) return at;
    let k = valueIndex.get(id);
    if (k === undefined) {
      k = values.length;
      const bytes = source.packed(id);
      if (bytes) {
        packedKeys.push(String(k));
        packedIds.push(id);
      }
      values.push(bytes ?? source.resolve({ kind: "node", node: id }));
      valueIndex.set(id, k);
    }
    return -k - 1;
  };
  // A large string read by many items (a document each item slices) travels once per batch: V8's
  // serializer shares repeated objects but writes a string every time it appears.
  const stringAt = new Map<string, number>();
  const local = (v: Value): number => {
    const x = source.resolve(v);
    if (typeof x !== "string" || x.length < SHARED_STRING_MIN_LENGTH) return values.push(x) - 1;
    let k = stringAt.get(x);
    if (k === undefined) {
      k = values.push(x) - 1;
      stringAt.set(x, k);
    }
    return k;
  };
  const special = (id: string): boolean => index.has(id) || source.packed(id) !== undefined;
  const inBatch = (id: string): boolean => index.has(id);
  // Binds a general argument value: refs become `#i`/`$k`, and what the main thread can compute
  // alone becomes a value (a projection of a packed result is taken here: only its part travels;
  // an inline step reading no result of the batch is computed here, once for all its readers).
  const bind = (v: Value): Value => {
    if (v.kind === "node") {
      const r = ref(v.node);
      return { kind: "node", node: r >= 0 ? `#${r}` : `$${-r - 1}` };
    }
    if (v.kind === "get" || v.kind === "call" ? !readsAny(v, inBatch) : !readsAny(v, special)) return { kind: "node", node: `$${local(v)}` };
    switch (v.kind) {
      case "get":
        return { kind: "get", of: bind(v.of), path: v.path };
      case "array":
        return { kind: "array", items: v.items.map((i) => ({ spread: i.spread, value: bind(i.value) })) };
      case "object":
        return {
          kind: "object",
          entries: v.entries.map((e) => (e.spread ? { spread: true as const, value: bind(e.value) } : { key: e.key, value: bind(e.value) })),
        };
      case "call":
        return { kind: "call", fn: v.fn, args: v.args.map(bind) };
      default:
        return v;
    }
  };
  const fns: [string, string][] = [];
  const fnOf = new Map<string, number>();
  const keep = new Uint8Array(instances.length);
  const rows: [number, 0 | 1, number[] | Value][] = [];
  for (let i = 0; i < instances.length; i++) {
    const inst = instances[i] as TaskInstance;
    let f = fnOf.get(inst.task);
    if (f === undefined) {
      const { exportName, method } = source.locate(inst.task);
      f = fns.push([exportName, method]) - 1;
      fnOf.set(inst.task, f);
    }
    const deps = readers[i];
    const k = deps && staysOnThread(inst, deps, index, source) ? 0 : 1;
    keep[i] = k;
    rows.push([f, k, simpleRefs(inst.args, ref, special, local) ?? bind(inst.args)]);
  }
  const seed = new Uint8Array(instances.length);
  for (const x of seeds) seed[index.get(x.id) as number] = 1;
  return { instances, seed, compact: { fns, json: JSON.stringify(rows) }, keep, values, packedKeys, packedIds };
}

/**
 * Reorders a planned batch (in place: `instances`, `index`, `readers`) so that every joined
 * instance runs as soon as its batch dependencies ran: tokenize → count → merge per seed rather
 * than all seeds first. Short-lived intermediates (token arrays) then die young, one at a time,
 * instead of all living until the batch's second phase (old-generation garbage, a larger heap).
 */
function depthFirst(instances: TaskInstance[], seedCount: number, index: Map<string, number>, readers: (readonly TaskInstance[] | undefined)[]): void {
  const n = instances.length;
  if (n === seedCount) return;
  const pending = new Int32Array(n);
  const children: number[][] = [];
  for (let j = seedCount; j < n; j++) {
    for (const d of (instances[j] as TaskInstance).deps) {
      const at = index.get(d);
      if (at === undefined) continue;
      pending[j] = (pending[j] as number) + 1;
      (children[at] ??= []).push(j);
    }
  }
  const order: number[] = [];
  const stack: number[] = [];
  for (let s = 0; s < seedCount; s++) {
    stack.push(s);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      order.push(i);
      const kids = children[i];
      if (!kids) continue;
      for (let k = kids.length - 1; k >= 0; k--) {
        const c = kids[k] as number;
        pending[c] = (pending[c] as number) - 1;
        if (pending[c] === 0) stack.push(c);
      }
    }
  }
  if (order.length !== n) throw new Error(`internal: a batch of ${n} instances orders only ${order.length}`);
  const was = instances.slice();
  const wasReaders = readers.slice();
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const inst = was[i] as TaskInstance;
    instances[k] = inst;
    readers[k] = wasReaders[i];
    index.set(inst.id, k);
  }
}

/**
 * The refs of an argument list without spreads whose items are refs or values the main thread
 * computes alone (the common case: no Value objects to build and send), else undefined.
 */
function simpleRefs(args: Value, ref: (id: string) => number, special: (id: string) => boolean, local: (v: Value) => number): number[] | undefined {
  if (args.kind !== "array") return undefined;
  const { items } = args;
  for (const item of items) {
    if (item.spread || (item.value.kind !== "node" && readsAny(item.value, special))) return undefined;
  }
  const refs = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    const v = (items[i] as (typeof items)[number]).value;
    refs[i] = v.kind === "node" ? ref(v.node) : -local(v) - 1;
  }
  return refs;
}

/** A result may stay on the thread when every reader is in the batch and no later reader can appear. */
function staysOnThread(inst: TaskInstance, readers: readonly TaskInstance[], inBatch: Map<string, number>, source: BatchSource): boolean {
  if (readers.length === 0 || !readers.every((r) => inBatch.has(r.id))) return false;
  if (source.workerLocal(inst.nodeId)) return true;
  // A reduce's leaf read by one of its pairs is not the reduce's result.
  const reduce = source.reduceOf(inst.nodeId);
  if (reduce !== undefined && readers.some((r) => r.nodeId === reduce)) return true;
  // A treeReduce pair read only by the next pair of the same reduce is not the reduce's result.
  const only = readers[0];
  return readers.length === 1 && only !== undefined && only.nodeId === inst.nodeId && inst.id.includes("~");
}

function readsAny(value: Value, test: (id: string) => boolean): boolean {
  switch (value.kind) {
    case "node":
      return test(value.node);
    case "get":
      return readsAny(value.of, test);
    case "array":
      return value.items.some((i) => readsAny(i.value, test));
    case "object":
      return value.entries.some((e) => readsAny(e.value, test));
    case "call":
      return value.args.some((a) => readsAny(a, test));
    default:
      return false;
  }
}
