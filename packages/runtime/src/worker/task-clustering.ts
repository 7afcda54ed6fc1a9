import { decodeStored } from "../codec/remote-codec.js";
import { isOn, largeOutputBytesOf, type OptimizationName } from "../scheduling/optimizations.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { mergeUse, type OptimizationUse } from "../report/optimization-uses.js";
import type { Chain } from "./chain-batch.js";
import type { WorkerRun } from "./worker-run-cache.js";

/**
 * Whether the output of `inst` (estimated at `bytes`) is large and optimization `name` is on for
 * its task: then its worker keeps it (clustering, delayed I/O) rather than storing it.
 */
export function keepsLarge(run: WorkerRun, inst: TaskInstance, bytes: number, name: OptimizationName): boolean {
  return isLarge(run, inst, bytes) && isOn(run.optimizations, run.taskOptions(inst.task), name);
}

/** Whether the output of `inst` (estimated at `bytes`) is large: sent to the store only when the completion asks for it. */
export function isLarge(run: WorkerRun, inst: TaskInstance, bytes: number): boolean {
  return bytes > largeOutputBytesOf(run.optimizations, run.taskOptions(inst.task));
}

/** Where completions put what the optimizations did, by instance id. */
export type UseSink = Map<string, OptimizationUse>;

/** Adds `use` to the uses of `id` in `sink`. */
export function recordUse(sink: UseSink, id: string, use: OptimizationUse): void {
  sink.set(id, mergeUse(sink.get(id) ?? {}, use));
}

/**
 * A new chain on this worker for `d`, a dependent that `from` claimed beside its continuation
 * (task clustering): inputs from the batch's outputs (`held`) and the completion's reply
 * (`fetched`); the rest are read after the completion. It holds `from`'s deliveries (the caller
 * records the inheritance): if this worker dies before it ends, `from` is redelivered, completes
 * again (counted once) and makes `d` ready again elsewhere, as for any claimed dependent.
 */
export function clusteredChain(from: Chain, d: TaskInstance, held: ReadonlyMap<string, unknown>, fetched: Readonly<Record<string, string>>): Chain {
  const inputs = new Map<string, unknown>();
  let fetchBytes = 0;
  let count = 0;
  for (const x of d.deps) {
    if (held.has(x)) inputs.set(x, held.get(x));
    else if (fetched[x] !== undefined) {
      inputs.set(x, decodeStored(fetched[x], `stored output of instance ${x}`, from.run.maxValueBytes, x));
      fetchBytes += fetched[x].length;
      count++;
    }
  }
  return { run: from.run, inst: d, inputs, tokens: [], failures: 0, observer: from.observer, readyAt: Date.now(), fetchMs: 0, fetchBytes, fetched: count };
}
