import { benchDask } from "../baselines/dask.js";
import { createNaivePool } from "../baselines/piscina-naive.js";
import { expectEqual, measure, type MeasureOptions } from "../lib/stats.js";
import { range, SHAPES } from "../lib/shapes.js";
import type { Row } from "../lib/table.js";
import { Add } from "../../examples/tree-reduction/tree-reduction.js";
import { loadHandle } from "../taskloom-local.js";
import { BenchChain } from "../workflows/chain.js";
import { BenchFanout } from "../workflows/fanout.js";

export const DIRECT = "direct sequential";
export const NAIVE = "piscina naive (2 threads)";
export const DASK = "dask threaded (2 threads)";
export const TASKLOOM = "taskloom local (2 threads)";

type ShapeKey = keyof typeof SHAPES;
const INPUTS: Record<ShapeKey, () => number[] | number> = {
  s1: () => range(SHAPES.s1.size),
  s2: () => range(SHAPES.s2.size),
  s3: () => 0,
};
const SOURCES: Record<ShapeKey, [string, string]> = {
  s1: ["examples/tree-reduction/tree-reduction.ts", "leafTreeReduction"],
  s2: ["bench/workflows/fanout.ts", "benchFanout"],
  s3: ["bench/workflows/chain.ts", "benchChain"],
};

/**
 * S1, S2 and S3 on: direct sequential calls, the naive bare-piscina loop, Dask's threaded
 * scheduler and Taskloom's local runtime (when compiled; `compileError` says why not).
 */
export async function benchLocalShapes(options: MeasureOptions, compileError: string | undefined): Promise<{ rows: Row[]; notes: string[] }> {
  const keys = Object.keys(SHAPES) as ShapeKey[];
  const rows: Row[] = [];
  const add = (key: ShapeKey, system: string, stats: Row["stats"], baselines?: string[]) =>
    rows.push({ shape: SHAPES[key].label, system, stats, tasks: SHAPES[key].tasks, ...(baselines ? { baselines } : {}) });
  const check = (key: ShapeKey) => (result: number) => expectEqual(SHAPES[key].label, result, SHAPES[key].expected);

  const direct: Record<ShapeKey, (input: never) => number> = {
    s1: Add.leafTreeReduction,
    s2: BenchFanout.benchFanout,
    s3: BenchChain.benchChain,
  };
  for (const key of keys) {
    const input = INPUTS[key]() as never;
    add(key, DIRECT, await measure(() => direct[key](input), options, check(key)));
  }

  const pool = createNaivePool(2);
  try {
    add("s1", NAIVE, await measure(() => pool.tree(SHAPES.s1.size), options, check("s1")), [DASK]);
    add("s2", NAIVE, await measure(() => pool.fanout(SHAPES.s2.size), options, check("s2")), [DASK]);
    add("s3", NAIVE, await measure(() => pool.chain(SHAPES.s3.size), options, check("s3")), [DASK]);
  } finally {
    await pool.close();
  }

  const dask = await benchDask(options.runs ?? 5, 2, options.warmup ?? 1);
  for (const key of keys) add(key, DASK, "version" in dask ? dask[key] : dask.unavailable);
  const notes = "version" in dask ? [`dask ${dask.version}, threaded scheduler (dask.threaded.get, num_workers=2)`] : [];

  for (const key of keys) {
    const [source, name] = SOURCES[key];
    const handle = compileError ?? (await loadHandle<number[] | number, number>(source, name));
    if (typeof handle === "string") {
      add(key, TASKLOOM, handle);
      continue;
    }
    const input = INPUTS[key]();
    add(key, TASKLOOM, await measure(() => handle.run(input, { concurrency: 2 }), options, check(key)), [NAIVE, DASK, DIRECT]);
  }
  return { rows: order(rows), notes };
}

/** Groups rows by shape, keeping the system order within a shape. */
function order(rows: Row[]): Row[] {
  const shapes = [...new Set(rows.map((r) => r.shape))];
  return shapes.flatMap((shape) => rows.filter((r) => r.shape === shape));
}
