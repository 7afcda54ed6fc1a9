import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { summarize, type Stats } from "../lib/stats.js";

const run = promisify(execFile);
/** Debian's python3-dask lives in the system interpreter, not in a pyenv shim. */
const PYTHON = process.env.TASKLOOM_BENCH_PYTHON ?? "/usr/bin/python3";

/** Dask threaded-scheduler timings of S1, S2 and S3, or why there are none. */
export type DaskResult = { version: string; s1: Stats; s2: Stats; s3: Stats } | { unavailable: string };

/**
 * Runs `dask_shapes.py` (Dask's threaded scheduler, `threads` workers, `warmup` untimed runs then
 * `runs` timed runs per shape) and summarizes its timings.
 */
export async function benchDask(runs: number, threads = 2, warmup = 1): Promise<DaskResult> {
  try {
    await run(PYTHON, ["-c", "import dask"]);
  } catch {
    return { unavailable: "n/a (python3-dask not installed)" };
  }
  const script = fileURLToPath(new URL("./dask_shapes.py", import.meta.url));
  const { stdout } = await run(PYTHON, [script, String(runs), String(threads), String(warmup)], { maxBuffer: 1 << 20 });
  const out = JSON.parse(stdout) as { version: string; s1: number[]; s2: number[]; s3: number[] };
  return { version: out.version, s1: summarize(out.s1), s2: summarize(out.s2), s3: summarize(out.s3) };
}

/** Dask threaded-scheduler timings of a `width`-wide fan-out + sum, and its peak-RSS growth per task. */
export type DaskFanoutResult = { version: string; stats: Stats; bytesPerTask: number } | { unavailable: string };

/**
 * Runs `dask_fanout_scale.py` (one fan-out of `width` tiny tasks + a sum, `runs` timed runs after
 * `warmup` untimed ones), giving up after `timeoutMs`.
 */
export async function benchDaskFanout(width: number, runs: number, threads = 2, warmup = 0, timeoutMs = 600_000): Promise<DaskFanoutResult> {
  try {
    await run(PYTHON, ["-c", "import dask"]);
  } catch {
    return { unavailable: "n/a (python3-dask not installed)" };
  }
  const script = fileURLToPath(new URL("./dask_fanout_scale.py", import.meta.url));
  try {
    const { stdout } = await run(PYTHON, [script, String(width), String(runs), String(threads), String(warmup)], { maxBuffer: 1 << 20, timeout: timeoutMs });
    const out = JSON.parse(stdout) as { version: string; ms: number[]; bytes_per_task: number };
    return { version: out.version, stats: summarize(out.ms), bytesPerTask: out.bytes_per_task };
  } catch (error) {
    const e = error as { killed?: boolean; message: string };
    return { unavailable: e.killed ? `n/a (dask took over ${timeoutMs / 1000} s)` : `n/a (dask failed: ${e.message.split("\n")[0]})` };
  }
}
