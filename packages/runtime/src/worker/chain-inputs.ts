import { decodeStored } from "../codec/remote-codec.js";
import type { RunStore } from "../store/run-store.js";
import type { Chain } from "./chain-batch.js";
import type { WorkerRun } from "./worker-run-cache.js";

/** The inputs of every chain whose task reads no output (most of a wide fan-out): one map, never written. */
class NoInputs extends Map<string, unknown> {
  override set(key: string): this {
    throw new Error(`internal: input ${key} added to a task that reads no output`);
  }
}
const NO_INPUTS: Map<string, unknown> = new NoInputs();

/** The inputs map of a new chain whose task reads `deps` outputs. */
export function chainInputs(deps: number): Map<string, unknown> {
  return deps > 0 ? new Map<string, unknown>() : NO_INPUTS;
}

/**
 * Reads the stored inputs of a run's new chains in one call and decodes them into each chain's
 * inputs, with the read and the decoding shared by the chains in proportion to the bytes each read
 * (`fetchMs`). A Redis error rejects; a stored input that does not decode, or is too large, is
 * returned (the run fails on it, the worker goes on).
 */
export async function readChainInputs(store: RunStore, run: WorkerRun, chains: readonly Chain[]): Promise<Error | undefined> {
  const ids = [...new Set(chains.flatMap((c) => c.inst.deps))];
  const t0 = performance.now();
  const values = ids.length > 0 ? await store.readOutputs(run.runId, ids) : [];
  const got = new Map(ids.map((id, i) => [id, values[i]]));
  let total = 0;
  try {
    for (const c of chains) {
      for (const x of c.inst.deps) {
        const v = got.get(x);
        if (v === undefined) continue;
        c.inputs.set(x, decodeStored(v, `stored output of instance ${x}`, run.maxValueBytes, x));
        c.fetchBytes += v.length;
        c.fetched++;
      }
      total += c.fetchBytes;
    }
  } catch (error) {
    return error as Error;
  }
  const ms = performance.now() - t0;
  for (const c of chains) c.fetchMs = total > 0 ? (ms * c.fetchBytes) / total : 0;
  return undefined;
}
