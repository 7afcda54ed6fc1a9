import { describe, expect, it } from "vitest";
import { Gemm } from "./gemm.js";
import { matricesEqual, multiplyDirect, randomMatrix, splitCols, splitRows } from "./matrix.js";

describe("gemm example", () => {
  it("multiplies 512×512 in 4×4 blocks bit-for-bit like the direct triple loop", () => {
    const a = randomMatrix(512, 512, 1);
    const b = randomMatrix(512, 512, 2);
    const c = Gemm.gemm({ aRows: splitRows(a, 4), bCols: splitCols(b, 4) });
    expect(c.rows).toBe(512);
    expect(c.cols).toBe(512);
    expect(matricesEqual(c, multiplyDirect(a, b))).toBe(true);
  });

  it("handles uneven, non-square blocks", () => {
    const a = randomMatrix(7, 5, 3);
    const b = randomMatrix(5, 9, 4);
    const c = Gemm.gemm({ aRows: splitRows(a, 3), bCols: splitCols(b, 2) });
    expect(matricesEqual(c, multiplyDirect(a, b))).toBe(true);
  });

  it("computes a known small product", () => {
    const a = { rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) };
    const b = { rows: 2, cols: 2, data: Float64Array.from([5, 6, 7, 8]) };
    const c = Gemm.gemm({ aRows: splitRows(a, 2), bCols: splitCols(b, 2) });
    expect([...c.data]).toEqual([19, 22, 43, 50]);
  });
});
