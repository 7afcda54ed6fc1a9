/** Most ready instances (seeds) per batch message. */
const MAX_SEEDS = 4096;
/** Aim for batches of about this much task time (ms): round trips stay a small fraction of it. */
const TARGET_BATCH_MS = 4;

/**
 * How many ready instances go into the next batch. Before any task time is known, the ready
 * instances are split evenly over the free threads (one big batch each: tiny tasks are the common
 * case, and a reduction subtree or a group of chains then stays within one batch). Once times are
 * measured: batches of about {@link TARGET_BATCH_MS} of work, spread over the free in-flight slots,
 * so thousands of tiny tasks share a message and heavy ones go alone.
 */
export class BatchSizer {
  private execMs = 0;
  private execCount = 0;

  constructor(
    private readonly threads: number,
    private readonly maxInFlight: number,
  ) {}

  /** Records one task execution time (ms). */
  observe(ms: number): void {
    this.execMs += ms;
    this.execCount++;
  }

  /** Seeds for the next batch, given `ready` waiting instances and `inFlight` batches of the pool. */
  seeds(ready: number, inFlight: number): number {
    if (this.execCount === 0) return Math.min(MAX_SEEDS, Math.ceil(ready / Math.max(1, this.threads - inFlight)));
    const mean = this.execMs / this.execCount;
    const bySize = Math.max(1, Math.min(MAX_SEEDS, Math.floor(TARGET_BATCH_MS / Math.max(mean, 1e-3))));
    return Math.min(bySize, Math.ceil(ready / Math.max(1, this.maxInFlight - inFlight)));
  }
}
