import type { Value } from "@taskloom/sdk/internal";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { resolveValue } from "../scheduling/resolve-value.js";
import type { BatchItem } from "./thread-messages.js";

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
  /** How many of `instances` were ready when picked; the rest joined as chains or subtree joins. */
  seeds: number;
  items: BatchItem[];
  values: Record<string, unknown>;
  /** Keys of `values` holding packed results. */
  packedKeys: string[];
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
  const instances = [...seeds];
  const inBatch = new Set(seeds.map((s) => s.id));
  const readers = new Map<string, readonly TaskInstance[]>();
  for (let i = 0; i < instances.length; i++) {
    const x = instances[i] as TaskInstance;
    if (!learner.worthTrying(x.nodeId) && !source.workerLocal(x.nodeId)) continue;
    const deps = source.dependents(x.id);
    readers.set(x.id, deps);
    let joined = false;
    for (const y of deps) {
      if (instances.length >= limit) break;
      if (inBatch.has(y.id) || source.tracked(y.id) || !source.joinable(y.task, poolKey)) continue;
      let inside = 0;
      let ok = true;
      for (const d of y.deps) {
        if (inBatch.has(d)) inside++;
        else if (!source.done(d)) {
          ok = false;
          break;
        }
      }
      if (ok && (deps.length === 1 || inside >= 2)) {
        instances.push(y);
        inBatch.add(y.id);
        joined = true;
      }
    }
    learner.record(x.nodeId, joined);
  }
  const values: Record<string, unknown> = {};
  const packedKeys: string[] = [];
  let nextKey = 0;
  // Binds a value for the thread: batch members stay references, packed results are forwarded
  // as they are, and everything else the main thread knows is resolved into a value.
  const special = (id: string): boolean => inBatch.has(id) || source.packed(id) !== undefined;
  const bind = (v: Value): Value => {
    if (v.kind === "node") {
      if (inBatch.has(v.node)) return v;
      const bytes = source.packed(v.node);
      if (bytes) {
        const key = `$${nextKey++}`;
        values[key] = bytes;
        packedKeys.push(key);
        return { kind: "node", node: key };
      }
    }
    // A projection of a packed result is taken here: only the projected part travels.
    const local = v.kind === "get" ? !readsAny(v, (id) => inBatch.has(id)) : !readsAny(v, special);
    if (local) {
      const key = `$${nextKey++}`;
      values[key] = source.resolve(v);
      return { kind: "node", node: key };
    }
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
      default:
        return v;
    }
  };
  const items: BatchItem[] = instances.map((inst) => {
    const deps = readers.get(inst.id);
    const keep = !(deps && staysOnThread(inst, deps, inBatch, source));
    const { exportName, method } = source.locate(inst.task);
    return { id: inst.id, exportName, method, args: bind(inst.args), keep };
  });
  return { instances, seeds: seeds.length, items, values, packedKeys };
}

/** A result may stay on the thread when every reader is in the batch and no later reader can appear. */
function staysOnThread(inst: TaskInstance, readers: readonly TaskInstance[], inBatch: Set<string>, source: BatchSource): boolean {
  if (!readers.every((r) => inBatch.has(r.id))) return false;
  if (source.workerLocal(inst.nodeId)) return true;
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
    default:
      return false;
  }
}
