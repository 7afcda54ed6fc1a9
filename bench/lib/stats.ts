/** Summary of repeated timings, in milliseconds. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Untimed runs first (JIT, pools, caches). Default 1. */
  warmup?: number;
  /** Timed runs. Default 5. */
  runs?: number;
}

/** Median, min and max of `samples` (milliseconds). */
export function summarize(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new RangeError("summarize needs at least one sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, runs: sorted.length };
}

/**
 * Times `fn` `runs` times after `warmup` untimed calls and summarizes the wall times.
 * `check` (optional) validates each result, so that a benchmark never times a wrong answer.
 *
 * @example
 * ```ts
 * const s = await measure(() => pool.run(1), { warmup: 1, runs: 5 });
 * ```
 */
export async function measure<T>(
  fn: () => T | Promise<T>,
  options: MeasureOptions = {},
  check?: (result: T) => void,
): Promise<Stats> {
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 5;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`options.runs must be a positive integer, got ${runs}`);
  for (let i = 0; i < warmup; i++) check?.(await fn());
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = await fn();
    samples.push(performance.now() - start);
    check?.(result);
  }
  return summarize(samples);
}

/** Throws when `actual` is not `expected` (a benchmark must not time a wrong answer). */
export function expectEqual<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}
