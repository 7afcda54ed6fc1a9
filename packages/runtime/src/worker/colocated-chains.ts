import type { TaskInstance } from "../scheduling/task-instance.js";
import type { Chain } from "./chain-batch.js";
import { colocationOf, groupOf } from "../scheduling/run-plan.js";

/** Where co-located chains go: the chains that continue, and the acks each new chain must hold. */
export interface ColocationSink {
  next: Chain[];
  inherit: [to: Chain, from: Chain][];
}

/**
 * Continues on this worker every instance of `ready` (dependents that became ready and were not
 * claimed, so this worker must hand them off) that has the co-location key of `from`'s task and
 * runs in `group`, the worker's group: each becomes a new chain. Returns the instances left to
 * hand off, in their order.
 *
 * A new chain holds `from`'s deliveries (through `sink.inherit`): if this worker dies before it
 * ends, `from`'s task is redelivered, completes again (counted once) and makes the dependent
 * ready again elsewhere, as for the dependent a chain claims. Inputs it does not find in
 * `held` (the batch's outputs and `from`'s inputs) are read after the completion (`fillInputs`).
 *
 * @param from the chain whose task just completed (its `inst` not yet moved on)
 * @param held outputs held in memory, by instance id
 * @example
 * ```ts
 * const rest = continueColocated(run.plan, "default", chain, readyDeps, outputs, out);
 * ```
 */
export function continueColocated(
  plan: Chain["run"]["plan"],
  group: string,
  from: Chain,
  ready: readonly TaskInstance[],
  held: ReadonlyMap<string, unknown>,
  sink: ColocationSink,
): TaskInstance[] {
  const key = colocationOf(plan, from.inst);
  if (key === undefined) return ready as TaskInstance[];
  const rest: TaskInstance[] = [];
  for (const d of ready) {
    if (colocationOf(plan, d) !== key || groupOf(plan, d) !== group) {
      rest.push(d);
      continue;
    }
    const inputs = new Map<string, unknown>();
    for (const x of d.deps) if (held.has(x)) inputs.set(x, held.get(x));
    // `from` has started, so its observer no longer names the stream entry it came from.
    const chain: Chain = {
      run: from.run,
      inst: d,
      inputs,
      tokens: [],
      failures: 0,
      observer: from.observer,
      readyAt: Date.now(),
      fetchMs: 0,
      fetchBytes: 0,
      fetched: 0,
    };
    sink.next.push(chain);
    sink.inherit.push([chain, from]);
  }
  return rest;
}

/**
 * {@link continueColocated} for a whole batch: `handoffs` (ids of the ready dependents nobody
 * claimed) go to the first chain of `chains` whose dependents (`deps`, by chain) list them with
 * its key. Returns the instances left to hand off.
 */
export function continueColocatedBatch(
  plan: Chain["run"]["plan"],
  group: string,
  chains: readonly Chain[],
  deps: readonly (readonly TaskInstance[])[],
  handoffs: readonly string[],
  held: ReadonlyMap<string, unknown>,
  sink: ColocationSink,
): TaskInstance[] {
  const pending = new Set(handoffs);
  const byId = new Map<string, TaskInstance>();
  chains.forEach((c, n) => {
    const ready = deps[n]!.filter((d) => pending.has(d.id));
    for (const d of ready) byId.set(d.id, d);
    if (ready.length === 0 || colocationOf(plan, c.inst) === undefined) return;
    const kept = new Set(ready);
    for (const d of continueColocated(plan, group, c, ready, held, sink)) kept.delete(d);
    for (const d of kept) pending.delete(d.id);
  });
  return handoffs.filter((id) => pending.has(id)).map((id) => byId.get(id)!);
}
