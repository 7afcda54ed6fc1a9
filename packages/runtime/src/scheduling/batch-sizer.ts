/** Aim for batches of about this much task time (ms): round trips stay a small fraction of it. */
const TARGET_BATCH_MS = 4;
/** Weight of a new execution time in the running mean once ten are known (earlier: their plain mean). */
const NEWEST_WEIGHT = 0.1;

/** What bounds a {@link BatchSizer}'s batches. */
export interface BatchSizerLimits {
  /** Threads of the pool. */
  threads: number;
  /** Batches that may be in flight on the pool at once (local runs queue more than one per thread). */
  maxInFlight: number;
  /** Most instances in one batch message. */
  maxSeeds: number;
}

/**
 * How many ready instances go into the next batch, for local runs and `dag-worker`s alike. Before
 * any task time is known, the ready instances are split evenly over the free threads (one big
 * batch each: tiny tasks are the common case, and a reduction subtree or a group of chains then
 * stays within one batch). Once times are measured: batches of about {@link TARGET_BATCH_MS} of
 * work, spread over the free in-flight slots, so thousands of tiny tasks share a message and heavy
 * ones go alone. The mean follows recent times (a `dag-worker` serves runs of different tasks).
 */
export class BatchSizer {
  private meanMs = 0;
  private count = 0;

  constructor(private readonly limits: BatchSizerLimits) {}

  /** Records one task execution time (ms). */
  observe(ms: number): void {
    this.count++;
    this.meanMs += (ms - this.meanMs) * Math.max(NEWEST_WEIGHT, 1 / this.count);
  }

  /** Seeds for the next batch, given `ready` waiting instances and `inFlight` batches of the pool. */
  seeds(ready: number, inFlight: number): number {
    const { threads, maxInFlight, maxSeeds } = this.limits;
    if (this.count === 0) return Math.max(1, Math.min(maxSeeds, Math.ceil(ready / Math.max(1, threads - inFlight))));
    const bySize = Math.max(1, Math.min(maxSeeds, Math.floor(TARGET_BATCH_MS / Math.max(this.meanMs, 1e-3))));
    return Math.max(1, Math.min(bySize, Math.ceil(ready / Math.max(1, maxInFlight - inFlight))));
  }
}
