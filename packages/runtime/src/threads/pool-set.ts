import { existsSync } from "node:fs";
import { Piscina } from "piscina";
import { affinityBalancer } from "./thread-affinity.js";
import { workerExecArgv } from "./worker-exec-argv.js";

/**
 * The thread entry: its one-file bundle, written by `npm run build` (scripts/bundle-startup-files.mjs;
 * a new thread starts in about half the CPU time), or the modules `tsc` wrote when it is missing.
 */
const BUNDLED_ENTRY = new URL("./worker-entry.bundle.mjs", import.meta.url);
const WORKER_ENTRY = existsSync(BUNDLED_ENTRY) ? BUNDLED_ENTRY.href : new URL("./worker-entry.js", import.meta.url).href;

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
 * Young-generation size of threads without a heap limit, in MiB (V8's default is 16 MiB semi-spaces).
 * Tasks that allocate many short-lived objects (token arrays, intermediate maps) then scavenge
 * less often and promote less: wordcount 5 MB on 2 threads, 8 runs, had 88 collections instead of
 * 148 and ~25% less GC time (larger sizes changed nothing more). It is reserved address space;
 * pages are committed as the heap grows.
 */
const YOUNG_GENERATION_MB = 128;

/** piscina's `resourceLimits` for threads with heap limit `memoryMb` (MiB), or the throughput default. */
function resourceLimitsFor(memoryMb: number | undefined): { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb: number } {
  if (memoryMb === undefined) return { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  return { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(memoryMb / 4))) };
}

/** How a pool's threads start: all at once (a long-lived `dag-worker`), or as work needs them. */
export type PoolStart = "all" | "on-demand";

/**
 * Leases the pool for `threads` threads and heap limit `memoryMb`, starting it when needed. Pools
 * are kept warm between runs; piscina unrefs idle threads, so a warm pool never keeps the
 * process alive. Call {@link releasePool} when the run ends.
 *
 * `on-demand` (the local executor) starts one thread, and another each time work waits for one,
 * up to `threads`; once started, threads stay (no idle timeout), as with `all`. A program's first
 * run of a small workflow then starts one thread, not every one at once on the same cores: a
 * 1-task first run took a median of ~97.5 instead of ~120 ms on 2 cores (10 alternating fresh
 * processes; a bare thread starts in ~47 ms there), a 1,000-task first run the same.
 */
export function leasePool(threads: number, memoryMb: number | undefined, start: PoolStart = "all"): SharedPool {
  const key = `${threads}/${memoryMb ?? "-"}/${start}`;
  let shared = pools.get(key);
  if (!shared) {
    const execArgv = workerExecArgv(process.execArgv);
    const pool = new Piscina({
      filename: WORKER_ENTRY,
      minThreads: start === "all" ? threads : 1,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: resourceLimitsFor(memoryMb),
      ...(execArgv ? { execArgv } : {}),
      loadBalancer: affinityBalancer,
      // No wait and run time histograms: the runtime measures its own, and creating them costs a first run ~5 ms.
      recordTiming: false,
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
