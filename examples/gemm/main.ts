/** `npm run example:gemm`: C = A × B for 512×512 doubles in 4 row × 4 column blocks (16 multiplies). */
import { runExample } from "../common/run-example.js";
import { gemm } from "./gemm.dag.js";
import { Gemm } from "./gemm.js";
import { matricesEqual, multiplyDirect, randomMatrix, splitCols, splitRows } from "./matrix.js";

const a = randomMatrix(512, 512, 1);
const b = randomMatrix(512, 512, 2);
const input = { aRows: splitRows(a, 4), bCols: splitCols(b, 4) };
const c = await runExample({
  title: "gemm 512×512",
  handle: gemm,
  input,
  direct: () => Gemm.gemm(input),
  show: (m) => ({ rows: m.rows, cols: m.cols, first: Array.from(m.data.subarray(0, 4), (x) => x.toFixed(6)) }),
});
const same = matricesEqual(c, multiplyDirect(a, b));
console.log(same ? "  equals the direct triple loop bit for bit: OK" : "  differs from the direct triple loop: FAILED");
if (!same) process.exitCode = 1;
