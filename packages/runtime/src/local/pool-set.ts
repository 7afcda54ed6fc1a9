import { Piscina } from "piscina";

const WORKER_ENTRY = new URL("./worker-entry.js", import.meta.url).href;

/** A piscina pool shared by the runs that use the same thread count and heap limit. */
export interface SharedPool {
  readonly pool: Piscina;
  readonly threads: number;
  /** Heap limit of its threads in MiB (`resourceLimits.maxOldGenerationSizeMb`), if any. */
  readonly memoryMb: number | undefined;
  /** Runs currently using it. */
  leases: number;
}

const pools = new Map<string, SharedPool>();

/**
 * Leases the pool for `threads` threads and heap limit `memoryMb`, starting it when needed. Pools
 * are kept warm between runs; piscina unrefs idle threads, so a warm pool never keeps the
 * process alive. Call {@link releasePool} when the run ends.
 */
export function leasePool(threads: number, memoryMb: number | undefined): SharedPool {
  const key = `${threads}/${memoryMb ?? "-"}`;
  let shared = pools.get(key);
  if (!shared) {
    const pool = new Piscina({
      filename: WORKER_ENTRY,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 30_000,
      ...(memoryMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(memoryMb / 4))) } } : {}),
    });
    // A thread that dies (out of memory, terminated) rejects its task; the pool-level event needs a listener.
    pool.on("error", () => {});
    shared = { pool, threads, memoryMb, leases: 0 };
    pools.set(key, shared);
  }
  shared.leases++;
  return shared;
}

/**
 * Ends a run's lease. With `destroy`, also stops the pool's threads at once (interrupting
 * whatever they run) when no other run uses it: that is how a failed run stops its other tasks.
 */
export async function releasePool(shared: SharedPool, destroy: boolean): Promise<void> {
  shared.leases--;
  if (!destroy || shared.leases > 0) return;
  forget(shared);
  await shared.pool.destroy();
}

function forget(shared: SharedPool): void {
  for (const [key, value] of pools) if (value === shared) pools.delete(key);
}

/**
 * Stops every warm worker-thread pool of the local runtime. Not needed for a clean exit (idle
 * threads do not keep the process alive); useful to free memory or in tests.
 *
 * @example
 * ```ts
 * await closeLocalPools();
 * ```
 */
export async function closeLocalPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.pool.destroy()));
}
