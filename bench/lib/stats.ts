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
export async function measure<T>(fn: () => T | Promise<T>, options: MeasureOptions = {}, check?: (result: T) => void): Promise<Stats> {
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

/** What {@link measurePair} returns: each side's timings and the per-round ratio `a / b`. */
export interface PairedStats {
  a: Stats;
  b: Stats;
  /** `a`'s time over `b`'s, round by round (above 1: `b` is faster). */
  ratio: Stats;
  /** `b`'s time minus `a`'s, round by round, in ms: what `b` costs beyond `a` on the same machine state. */
  extra: Stats;
}

/**
 * Times `a` and `b` in alternating rounds (`a b`, then `b a`, ...) after `warmup` untimed calls of
 * each, so that both see the same machine: on a noisy machine the per-round ratio is steadier
 * than the ratio of two medians taken minutes apart.
 *
 * @example
 * ```ts
 * const { ratio } = await measurePair(() => direct(x), () => handle.run(x), { runs: 9 });
 * ```
 */
export async function measurePair<A, B>(
  a: () => A | Promise<A>,
  b: () => B | Promise<B>,
  options: MeasureOptions = {},
  checkA?: (result: A) => void,
  checkB?: (result: B) => void,
): Promise<PairedStats> {
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 5;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`options.runs must be a positive integer, got ${runs}`);
  for (let i = 0; i < warmup; i++) {
    checkA?.(await a());
    checkB?.(await b());
  }
  const timeA: number[] = [];
  const timeB: number[] = [];
  const timeOne = async <T>(fn: () => T | Promise<T>, into: number[], check?: (r: T) => void): Promise<void> => {
    const start = performance.now();
    const result = await fn();
    into.push(performance.now() - start);
    check?.(result);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await timeOne(a, timeA, checkA);
      await timeOne(b, timeB, checkB);
    } else {
      await timeOne(b, timeB, checkB);
      await timeOne(a, timeA, checkA);
    }
  }
  return {
    a: summarize(timeA),
    b: summarize(timeB),
    ratio: summarize(timeA.map((t, i) => t / (timeB[i] as number))),
    extra: summarize(timeB.map((t, i) => t - (timeA[i] as number))),
  };
}

/** Throws when `actual` is not `expected` (a benchmark must not time a wrong answer). */
export function expectEqual<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}
