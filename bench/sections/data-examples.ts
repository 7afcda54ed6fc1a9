import { Gemm } from "../../examples/gemm/gemm.js";
import { WordCount } from "../../examples/wordcount/wordcount.js";
import { checkCounts, checkMatrix, makeGemmInput, makeWordcountInput } from "../lib/data-inputs.js";
import { measure, measurePair, type MeasureOptions } from "../lib/stats.js";
import type { Row } from "../lib/table.js";
import { loadHandle } from "../taskloom-local.js";
import { DIRECT, TASKLOOM } from "./local-shapes.js";

/**
 * The data-heavy examples: wordcount over 5 MB and GEMM 512×512 in 4×4 blocks, called directly
 * (sequential, in-process) and run by Taskloom's local runtime on 2 threads (goal ≥ 1.6×). The
 * two run in alternating rounds and the speed-up is the median of the per-round ratios: these
 * runs take a few hundred ms, long enough for the machine's load to drift between two series.
 */
export async function benchDataExamples(options: MeasureOptions, compileError: string | undefined): Promise<Row[]> {
  const chunks = makeWordcountInput();
  const expectedCounts = WordCount.wordcount(chunks);
  const wc = compileError ?? (await loadHandle<string[], typeof expectedCounts>("examples/wordcount/wordcount.ts", "wordcount"));
  const rows = await pairRows(
    { shape: `wordcount 5 MB (${chunks.length} chunks)`, tasks: chunks.length * 3 - 1 }, // tokenize, count, n − 1 merges
    () => WordCount.wordcount(chunks),
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
      typeof gemm === "string" ? gemm : () => gemm.run(input, { concurrency: 2 }),
      (r) => checkMatrix(r, expected),
      options,
    )),
  );
  return rows;
}

/** The direct row and the Taskloom row of one example, measured in alternating rounds. */
async function pairRows<T>(
  shape: { shape: string; tasks: number },
  direct: () => T,
  taskloom: string | (() => Promise<T>),
  check: (result: T) => void,
  options: MeasureOptions,
): Promise<Row[]> {
  if (typeof taskloom === "string") {
    return [
      { ...shape, system: DIRECT, stats: await measure(direct, options, check) },
      { ...shape, system: TASKLOOM, stats: taskloom },
    ];
  }
  const { a, b, ratio } = await measurePair(direct, taskloom, options, check, check);
  return [
    { ...shape, system: DIRECT, stats: a },
    { ...shape, system: TASKLOOM, stats: b, baselines: [DIRECT], paired: { [DIRECT]: ratio } },
  ];
}
