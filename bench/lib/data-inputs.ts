import { chunkTextInto } from "../../examples/common/chunk-text.js";
import { makeText } from "../../examples/common/make-text.js";
import type { GemmInput, Matrix } from "../../examples/gemm/gemm.js";
import { matricesEqual, multiplyDirect, randomMatrix, splitCols, splitRows } from "../../examples/gemm/matrix.js";
import type { Counts } from "../../examples/wordcount/wordcount.js";

/** The wordcount benchmark input: a 5 MB generated text in 64 chunks (~78 KB each). */
export function makeWordcountInput(): string[] {
  return chunkTextInto(makeText(5_000_000, 1), 64);
}

/** Throws unless two word counts are equal (same words, same numbers). */
export function checkCounts(actual: Counts, expected: Counts): void {
  if (!(actual instanceof Map) || actual.size !== expected.size || [...actual].some(([w, n]) => expected.get(w) !== n)) {
    throw new Error(`wordcount: result differs from the direct call (${actual instanceof Map ? actual.size : "not a Map of"} words)`);
  }
}

/** The GEMM benchmark input (512×512 in 4 row × 4 column blocks) and its direct product. */
export function makeGemmInput(): { input: GemmInput; expected: Matrix } {
  const a = randomMatrix(512, 512, 1);
  const b = randomMatrix(512, 512, 2);
  return { input: { aRows: splitRows(a, 4), bCols: splitCols(b, 4) }, expected: multiplyDirect(a, b) };
}

/** Throws unless the product is bit-for-bit the direct one. */
export function checkMatrix(actual: Matrix, expected: Matrix): void {
  if (!matricesEqual(actual, expected)) throw new Error("gemm: result differs from the direct product");
}
