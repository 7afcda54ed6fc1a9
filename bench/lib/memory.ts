import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** V8's `gc()`, without starting node with `--expose-gc`. */
export const collectGarbage = runInNewContext("gc") as () => void;

/** Resident set size of process `pid` in bytes (`VmRSS` of `/proc/<pid>/status`), or NaN. */
export function residentBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Growth of memory over a stretch of time: this process's heap and RSS, and other processes' RSS. */
export interface MemoryGrowth {
  /** Peak `heapUsed` minus `heapUsed` at the start (after a full GC), in bytes. */
  heap: number;
  /** Peak RSS minus RSS at the start, in bytes. */
  rss: number;
  /** Per watched pid: peak VmRSS minus VmRSS at the start, in bytes. */
  others: number[];
}

/**
 * Samples memory every `intervalMs` while `fn` runs (after a full GC of this process) and returns
 * `fn`'s result, its wall time in ms (the GC before it not included) and the peak growth. Peaks
 * include garbage not yet collected: an upper bound.
 */
export async function sampleGrowth<T>(
  fn: () => Promise<T>,
  pids: readonly number[] = [],
  intervalMs = 10,
): Promise<{ result: T; ms: number; growth: MemoryGrowth }> {
  collectGarbage();
  const start = process.memoryUsage();
  const startOthers = pids.map(residentBytes);
  let heap = start.heapUsed;
  let rss = start.rss;
  const others = [...startOthers];
  const sample = (): void => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
    for (const [i, pid] of pids.entries()) others[i] = Math.max(others[i] as number, residentBytes(pid));
  };
  const timer = setInterval(sample, intervalMs);
  try {
    const t0 = performance.now();
    const result = await fn();
    const ms = performance.now() - t0;
    sample();
    return { result, ms, growth: { heap: heap - start.heapUsed, rss: rss - start.rss, others: others.map((o, i) => o - (startOthers[i] as number)) } };
  } finally {
    clearInterval(timer);
  }
}
