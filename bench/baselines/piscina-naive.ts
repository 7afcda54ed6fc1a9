import { Piscina } from "piscina";

/**
 * The naive bare-piscina baseline: one `pool.run` per task, level by level, on a 2-thread pool.
 * It is what a user would write by hand without a scheduler, and the figure that Taskloom's
 * local runtime must beat by at least 2× on S1.
 */
export interface NaivePool {
  /** S1: `n` leaf tasks, then pairwise adds level by level (`n − 1` adds). */
  tree(n: number): Promise<number>;
  /** S2: `n` tiny tasks in parallel, then one sum task over their results. */
  fanout(n: number): Promise<number>;
  /** S3: a chain of `n` tiny tasks, each awaiting the previous one. */
  chain(n: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts a pool of exactly `threads` worker threads running `tiny-worker.mjs`. */
export function createNaivePool(threads = 2): NaivePool {
  const pool = new Piscina({
    filename: new URL("./tiny-worker.mjs", import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  const run = (call: { op: string; a?: number; b?: number; xs?: number[] }) => pool.run(call) as Promise<number>;
  return {
    async tree(n) {
      let level = await Promise.all(Array.from({ length: n }, (_, i) => run({ op: "leaf", a: i })));
      while (level.length > 1) {
        const pairs: Promise<number>[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) pairs.push(run({ op: "add", a: level[i], b: level[i + 1] }));
        const next = await Promise.all(pairs);
        if (level.length % 2 === 1) next.push(level[level.length - 1] as number);
        level = next;
      }
      return level[0] as number;
    },
    async fanout(n) {
      const xs = await Promise.all(Array.from({ length: n }, (_, i) => run({ op: "leaf", a: i })));
      return run({ op: "sum", xs });
    },
    async chain(n) {
      let v = 0;
      for (let i = 0; i < n; i++) v = await run({ op: "inc", a: v });
      return v;
    },
    close: () => pool.destroy(),
  };
}
