import { Gemm } from "../../examples/gemm/gemm.js";
import { WordCount } from "../../examples/wordcount/wordcount.js";
import { checkCounts, checkMatrix, makeGemmInput, makeWordcountInput } from "../lib/data-inputs.js";
import { measure, type MeasureOptions } from "../lib/stats.js";
import type { Row } from "../lib/table.js";
import { loadHandle } from "../taskloom-local.js";
import { DIRECT, TASKLOOM } from "./local-shapes.js";

/**
 * The data-heavy examples: wordcount over 5 MB and GEMM 512×512 in 4×4 blocks, called directly
 * (sequential, in-process) and run by Taskloom's local runtime on 2 threads (goal ≥ 1.6×).
 */
export async function benchDataExamples(options: MeasureOptions, compileError: string | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  const chunks = makeWordcountInput();
  const wcShape = `wordcount 5 MB (${chunks.length} chunks)`;
  const wcTasks = chunks.length * 3 - 1; // tokenize, count, n − 1 merges
  const expectedCounts = WordCount.wordcount(chunks);
  rows.push({ shape: wcShape, system: DIRECT, tasks: wcTasks, stats: await measure(() => WordCount.wordcount(chunks), options, (r) => checkCounts(r, expectedCounts)) });
  const wc = compileError ?? (await loadHandle<string[], typeof expectedCounts>("examples/wordcount/wordcount.ts", "wordcount"));
  rows.push({
    shape: wcShape,
    system: TASKLOOM,
    tasks: wcTasks,
    baselines: [DIRECT],
    stats: typeof wc === "string" ? wc : await measure(() => wc.run(chunks, { concurrency: 2 }), options, (r) => checkCounts(r, expectedCounts)),
  });

  const { input, expected } = makeGemmInput();
  const gemmShape = "gemm 512×512, 4×4 blocks";
  const gemmTasks = input.aRows.length * input.bCols.length + 1;
  rows.push({ shape: gemmShape, system: DIRECT, tasks: gemmTasks, stats: await measure(() => Gemm.gemm(input), options, (r) => checkMatrix(r, expected)) });
  const gemm = compileError ?? (await loadHandle<typeof input, typeof expected>("examples/gemm/gemm.ts", "gemm"));
  rows.push({
    shape: gemmShape,
    system: TASKLOOM,
    tasks: gemmTasks,
    baselines: [DIRECT],
    stats: typeof gemm === "string" ? gemm : await measure(() => gemm.run(input, { concurrency: 2 }), options, (r) => checkMatrix(r, expected)),
  });
  return rows;
}
