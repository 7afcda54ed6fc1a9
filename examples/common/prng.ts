/**
 * A small seeded pseudo-random generator (mulberry32) so that every example builds the same
 * input on every machine and run.
 *
 * @param seed - any 32-bit integer.
 * @returns a function giving floats in [0, 1).
 * @example
 * ```ts
 * const next = createPrng(42);
 * next(); // 0.6011037519201636, always
 * ```
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n) from a generator made by {@link createPrng}. */
export function randomInt(next: () => number, n: number): number {
  return Math.floor(next() * n);
}
