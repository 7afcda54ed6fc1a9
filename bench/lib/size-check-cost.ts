import { estimateBytes } from "../../packages/runtime/dist/codec/estimate-bytes.js";
import { DEFAULT_MAX_VALUE_BYTES, surelyWithin } from "../../packages/runtime/dist/codec/value-limit.js";
import { Gemm, type GemmInput } from "../../examples/gemm/gemm.js";
import { WordCount, type Counts } from "../../examples/wordcount/wordcount.js";
import { summarize } from "./stats.js";

/**
 * What the `maxValueBytes` check costs a run of the data-heavy examples: the check a task thread
 * makes on each task's arguments and output (`surelyWithin`, then `estimateBytes` when that is not
 * enough), over the very values of one run, timed alone (median of `runs`) next to the direct call
 * of the same work. Returns printable lines.
 */
export function sizeCheckCost(chunks: string[], gemm: GemmInput, runs: number): string[] {
  const check = (v: unknown): number => (surelyWithin(v, DEFAULT_MAX_VALUE_BYTES) ? 0 : estimateBytes(v));
  // The values of one run, made once (untimed): every task's arguments and output.
  const values: unknown[] = [];
  const counts: Counts[] = chunks.map((c) => {
    const words = WordCount.tokenize(c);
    const n = WordCount.count(words);
    values.push([c], words, [words], n);
    return n;
  });
  let level = counts;
  while (level.length > 1) {
    const next: Counts[] = [];
    for (let k = 0; k + 1 < level.length; k += 2) {
      const m = WordCount.merge(level[k] as Counts, level[k + 1] as Counts);
      values.push([level[k], level[k + 1]], m);
      next.push(m);
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Counts);
    level = next;
  }
  const blocks = gemm.aRows.flatMap((a) => gemm.bCols.map((b) => [a, b]));
  const time = (f: () => void): number => {
    const ms: number[] = [];
    for (let i = 0; i < Math.max(3, runs); i++) {
      const t0 = performance.now();
      f();
      ms.push(performance.now() - t0);
    }
    return summarize(ms).median;
  };
  const wcChecks = time(() => values.forEach(check));
  const wcDirect = time(() => WordCount.wordcount(chunks));
  const gemmChecks = time(() => blocks.forEach(check));
  const gemmDirect = time(() => Gemm.gemm(gemm));
  const line = (name: string, checks: number, direct: number, n: number) =>
    `maxValueBytes checks, ${name}: ${checks.toFixed(2)} ms per run over ${n} values (${((100 * checks) / direct).toFixed(2)}% of the direct call's ${direct.toFixed(0)} ms)`;
  return [line("wordcount 5 MB", wcChecks, wcDirect, values.length), line("gemm 512×512 (arguments)", gemmChecks, gemmDirect, blocks.length)];
}
