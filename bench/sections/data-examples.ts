import { Gemm } from "../../examples/gemm/gemm.js";
import { WordCount } from "../../examples/wordcount/wordcount.js";
import { checkCounts, checkMatrix, makeGemmInput, makeWordcountInput } from "../lib/data-inputs.js";
import { measure, measurePair, type MeasureOptions } from "../lib/stats.js";
import type { Row } from "../lib/table.js";
import { loadHandle } from "../taskloom-local.js";
import { createThreadsSplit } from "../baselines/threads-split.js";
import { sizeCheckCost } from "../lib/size-check-cost.js";
import { DIRECT, TASKLOOM } from "./local-shapes.js";

/** The hand-written `worker_threads` split of the same work on the same 2 threads (the same-machine limit). */
export const SPLIT = "worker_threads split (2 threads)";

/**
 * The data-heavy examples: wordcount over 5 MB and GEMM 512×512 in 4×4 blocks, called directly
 * (sequential, in-process), split by hand over 2 `worker_threads`, and run by Taskloom's local
 * runtime on 2 threads (goals: ≥ 1.6× vs direct, and ≥ 0.95 of the split's speed-up, i.e. split
 * time / Taskloom time ≥ 0.95). Each pair runs in alternating rounds and a ratio is the median of
 * the per-round ratios: these runs take a few hundred ms, long enough for the machine's load to
 * drift between two series.
 */
export async function benchDataExamples(options: MeasureOptions, compileError: string | undefined): Promise<{ rows: Row[]; notes: string[] }> {
  const split = createThreadsSplit(2);
  try {
    const rows = await dataRows(options, compileError, split);
    return { rows, notes: sizeCheckCost(makeWordcountInput(), makeGemmInput().input, options.runs ?? 5) };
  } finally {
    await split.close();
  }
}

async function dataRows(options: MeasureOptions, compileError: string | undefined, split: ReturnType<typeof createThreadsSplit>): Promise<Row[]> {
  const chunks = makeWordcountInput();
  const expectedCounts = WordCount.wordcount(chunks);
  const wc = compileError ?? (await loadHandle<string[], typeof expectedCounts>("examples/wordcount/wordcount.ts", "wordcount"));
  const rows = await pairRows(
    { shape: `wordcount 5 MB (${chunks.length} chunks)`, tasks: chunks.length * 3 - 1 }, // tokenize, count, n − 1 merges
    () => WordCount.wordcount(chunks),
    () => split.wordcount(chunks),
    typeof wc === "string" ? wc : () => wc.run(chunks, { concurrency: 2 }),
    (r) => checkCounts(r, expectedCounts),
    options,
  );

  const { input, expected } = makeGemmInput();
  const gemm = compileError ?? (await loadHandle<typeof input, typeof expected>("examples/gemm/gemm.ts", "gemm"));
  rows.push(
    ...(await pairRows(
      { shape: "gemm 512×512, 4×4 blocks", tasks: input.aRows.length * input.bCols.length + 1 },
      () => Gemm.gemm(input),
      () => split.gemm(input),
      typeof gemm === "string" ? gemm : () => gemm.run(input, { concurrency: 2 }),
      (r) => checkMatrix(r, expected),
      options,
    )),
  );
  return rows;
}

/** The direct, split and Taskloom rows of one example; Taskloom is paired with each baseline in alternating rounds. */
async function pairRows<T>(
  shape: { shape: string; tasks: number },
  direct: () => T,
  split: () => Promise<T>,
  taskloom: string | (() => Promise<T>),
  check: (result: T) => void,
  options: MeasureOptions,
): Promise<Row[]> {
  if (typeof taskloom === "string") {
    return [
      { ...shape, system: DIRECT, stats: await measure(direct, options, check) },
      { ...shape, system: SPLIT, stats: await measure(split, options, check), baselines: [DIRECT] },
      { ...shape, system: TASKLOOM, stats: taskloom },
    ];
  }
  const vsDirect = await measurePair(direct, taskloom, options, check, check);
  const vsSplit = await measurePair(split, taskloom, options, check, check);
  const splitVsDirect = await measurePair(direct, split, options, check, check);
  return [
    { ...shape, system: DIRECT, stats: vsDirect.a },
    { ...shape, system: SPLIT, stats: vsSplit.a, baselines: [DIRECT], paired: { [DIRECT]: splitVsDirect.ratio } },
    { ...shape, system: TASKLOOM, stats: vsDirect.b, baselines: [DIRECT, SPLIT], paired: { [DIRECT]: vsDirect.ratio, [SPLIT]: vsSplit.ratio } },
  ];
}
