import { task, workflow } from "@taskloom/sdk";

/** A dense row-major matrix of doubles: element (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** The GEMM workflow's input: A cut into row blocks and B cut into column blocks. */
export interface GemmInput {
  aRows: Matrix[];
  bCols: Matrix[];
}

/**
 * GEMM (the earlier system's matrix example): C = A × B where every (row block of A, column block
 * of B) pair is one `multiply` task, and `assemble` glues the product blocks into C. With 4 row
 * blocks and 4 column blocks that is 16 multiplies and one 16-way fan-in.
 *
 * Each element of C is summed over k in ascending order, exactly like a direct i-k-j triple loop,
 * so the blocked and the direct product are bit-for-bit equal.
 */
export class Gemm {
  /** Multiplies a row block of A (r × n) by a column block of B (n × c): an r × c block of C. */
  @task()
  static multiply(a: Matrix, b: Matrix): Matrix {
    if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
    const out = new Float64Array(a.rows * b.cols);
    const n = a.cols;
    const c = b.cols;
    for (let i = 0; i < a.rows; i++) {
      const rowOut = i * c;
      for (let k = 0; k < n; k++) {
        const aik = a.data[i * n + k] as number;
        const rowB = k * c;
        for (let j = 0; j < c; j++) out[rowOut + j] = (out[rowOut + j] as number) + aik * (b.data[rowB + j] as number);
      }
    }
    return { rows: a.rows, cols: c, data: out };
  }

  /** Glues a grid of blocks (`blocks[i][j]` = block row i, block column j) into one matrix. */
  @task()
  static assemble(blocks: Matrix[][]): Matrix {
    const first = blocks[0] ?? [];
    const rows = blocks.reduce((sum, row) => sum + (row[0]?.rows ?? 0), 0);
    const cols = first.reduce((sum, block) => sum + block.cols, 0);
    const data = new Float64Array(rows * cols);
    let rowOffset = 0;
    for (const blockRow of blocks) {
      let colOffset = 0;
      for (const block of blockRow) {
        for (let i = 0; i < block.rows; i++) {
          const src = block.data.subarray(i * block.cols, (i + 1) * block.cols);
          data.set(src, (rowOffset + i) * cols + colOffset);
        }
        colOffset += block.cols;
      }
      rowOffset += blockRow[0]?.rows ?? 0;
    }
    return { rows, cols, data };
  }

  /** Cartesian product of row blocks and column blocks → multiply → one assemble. */
  @workflow()
  static gemm(input: GemmInput) {
    const blocks = input.aRows.map((a) => input.bCols.map((b) => Gemm.multiply(a, b)));
    return Gemm.assemble(blocks);
  }
}
