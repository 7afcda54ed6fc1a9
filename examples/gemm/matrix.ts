import { createPrng } from "../common/prng.js";
import type { Matrix } from "./gemm.js";

/**
 * A `rows × cols` matrix of seeded pseudo-random doubles in [-1, 1).
 * @example
 * ```ts
 * const a = randomMatrix(512, 512, 1);
 * ```
 */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const next = createPrng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = next() * 2 - 1;
  return { rows, cols, data };
}

/** Cuts `m` into `parts` row blocks of (nearly) equal height, top to bottom. */
export function splitRows(m: Matrix, parts: number): Matrix[] {
  return boundaries(m.rows, parts).map(([start, end]) => ({
    rows: end - start,
    cols: m.cols,
    data: m.data.slice(start * m.cols, end * m.cols),
  }));
}

/** Cuts `m` into `parts` column blocks of (nearly) equal width, left to right. */
export function splitCols(m: Matrix, parts: number): Matrix[] {
  return boundaries(m.cols, parts).map(([start, end]) => {
    const width = end - start;
    const data = new Float64Array(m.rows * width);
    for (let i = 0; i < m.rows; i++) data.set(m.data.subarray(i * m.cols + start, i * m.cols + end), i * width);
    return { rows: m.rows, cols: width, data };
  });
}

/** The direct product A × B with a plain i-k-j triple loop (the reference for the workflow). */
export function multiplyDirect(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k] as number;
      for (let j = 0; j < b.cols; j++) {
        out[i * b.cols + j] = (out[i * b.cols + j] as number) + aik * (b.data[k * b.cols + j] as number);
      }
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

/** Whether two matrices have the same shape and bit-for-bit the same elements. */
export function matricesEqual(x: Matrix, y: Matrix): boolean {
  if (x.rows !== y.rows || x.cols !== y.cols || x.data.length !== y.data.length) return false;
  for (let i = 0; i < x.data.length; i++) if (!Object.is(x.data[i], y.data[i])) return false;
  return true;
}

function boundaries(length: number, parts: number): [number, number][] {
  if (!Number.isInteger(parts) || parts < 1 || parts > length) {
    throw new RangeError(`parts must be an integer in 1..${length}, got ${parts}`);
  }
  return Array.from({ length: parts }, (_, p) => [Math.round((p * length) / parts), Math.round(((p + 1) * length) / parts)]);
}
