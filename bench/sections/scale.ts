/**
 * Scale: a fan-out of N tiny tasks + one sum over their results, N = 10k / 100k / 1M locally and
 * 10k / 100k remotely, in µs per task and bytes per task instance (client, and each worker
 * remotely), next to Dask's threaded scheduler on the local shapes.
 *
 * Bytes per instance = (peak growth during the N-wide run − peak growth during a 10-wide run
 * measured just before it, the same run's baseline of fixed costs) / (N + 1). The values are small
 * integers (no heap objects of their own), so the figure is the runtime's own memory per instance.
 */
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { benchDaskFanout } from "../baselines/dask.js";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { sampleGrowth, type MemoryGrowth } from "../lib/memory.js";
import { summarize } from "../lib/stats.js";
import { range } from "../lib/shapes.js";
import { runKeysLeft } from "../lib/run-keys.js";
import { loadHandle, type BenchHandle } from "../taskloom-local.js";

const LOCAL_WIDTHS = [10_000, 100_000, 1_000_000];
const REMOTE_WIDTHS = [10_000, 100_000];
const BASELINE_WIDTH = 10;
/** Goal of issue #10: at most this many bytes per task instance, in the client and in each worker. */
const GOAL_BYTES = 300;

type Fanout = BenchHandle<number[], number>;

const sumOf = (n: number): number => (n * (n - 1)) / 2;
const fmt = (n: number): string => n.toLocaleString("en-US");
const perInstance = (grown: number, base: number, width: number): number => Math.max(0, grown - base) / (width + 1);

/** Timed runs per width: fewer for the wide ones (a 1M run takes tens of seconds on 2 cores). */
function runsFor(width: number, runs: number): number {
  return width >= 1_000_000 ? 1 : width >= 100_000 ? Math.min(runs, 3) : runs;
}

/** One measured width: timings, and the memory growth of its first timed run and of the 10-wide baseline. */
interface Measured {
  ms: number[];
  growth: MemoryGrowth;
  baseline: MemoryGrowth;
}

async function measureWidth(run: (xs: number[]) => Promise<number>, width: number, runs: number, pids: readonly number[]): Promise<Measured> {
  const check = (what: number, got: number): void => {
    if (got !== sumOf(what)) throw new Error(`scale fan-out ${fmt(what)}: got ${got}, expected ${sumOf(what)}`);
  };
  const small = range(BASELINE_WIDTH);
  const xs = range(width);
  const ms: number[] = [];
  let growth: MemoryGrowth | undefined;
  let baseline: MemoryGrowth | undefined;
  for (let i = 0; i < runs; i++) {
    const b = await sampleGrowth(() => run(small), pids);
    check(BASELINE_WIDTH, b.result);
    const m = await sampleGrowth(() => run(xs), pids);
    ms.push(m.ms);
    check(width, m.result);
    growth ??= m.growth;
    baseline ??= b.growth;
  }
  return { ms, growth: growth as MemoryGrowth, baseline: baseline as MemoryGrowth };
}

function timing(ms: number[], width: number): string {
  const median = summarize(ms).median;
  return `${median.toFixed(0)} ms (${((median * 1000) / (width + 1)).toFixed(1)} µs/task, ${ms.length} run${ms.length > 1 ? "s" : ""})`;
}

function bytes(label: string, grown: number, base: number, width: number): string {
  const b = perInstance(grown, base, width);
  return `${label} ${b.toFixed(0)} B/instance${b > GOAL_BYTES ? ` (over the ${GOAL_BYTES} B goal)` : ""}`;
}

async function localLines(handle: Fanout, runs: number, warmup: number): Promise<string[]> {
  const run = (xs: number[]) => handle.run(xs, { concurrency: 2 });
  for (let i = 0; i < Math.max(1, warmup); i++) await run(range(LOCAL_WIDTHS[0] as number));
  const lines: string[] = [];
  for (const width of LOCAL_WIDTHS) {
    const m = await measureWidth(run, width, runsFor(width, runs), []);
    const dask = await benchDaskFanout(width, runsFor(width, runs), 2, width >= 100_000 ? 0 : 1);
    const taskloomMedian = summarize(m.ms).median;
    const daskPart =
      "version" in dask
        ? `dask threaded ${dask.stats.median.toFixed(0)} ms (${((dask.stats.median * 1000) / (width + 1)).toFixed(1)} µs/task, peak RSS +${dask.bytesPerTask.toFixed(0)} B/task) → dask/taskloom = ${(dask.stats.median / taskloomMedian).toFixed(2)}×`
        : `dask threaded ${dask.unavailable}`;
    lines.push(
      `local fan-out ${fmt(width)} + sum: taskloom ${timing(m.ms, width)}; client ${bytes("heap", m.growth.heap, m.baseline.heap, width)}, ` +
        `${bytes("RSS", m.growth.rss, m.baseline.rss, width)}; ${daskPart}`,
    );
  }
  return lines;
}

async function remoteLines(handle: Fanout, runs: number, warmup: number): Promise<string[]> {
  const server = await startRedisServer();
  const workers: ChildProcess[] = [];
  const redis = new Redis(server.url);
  try {
    workers.push(await startWorker(server.url), await startWorker(server.url));
    const pids = workers.map((w) => w.pid as number);
    const run = (xs: number[]) => handle.run(xs, { redis: server.url });
    for (let i = 0; i < Math.max(1, warmup); i++) await run(range(REMOTE_WIDTHS[0] as number));
    const lines: string[] = [];
    for (const width of REMOTE_WIDTHS) {
      const m = await measureWidth(run, width, runsFor(width, runs), pids);
      const keys = await runKeysLeft(redis);
      const perWorker = m.growth.others.map((g, i) => bytes(`worker ${i + 1} RSS`, g, m.baseline.others[i] as number, width));
      lines.push(
        `remote fan-out ${fmt(width)} + sum: taskloom ${timing(m.ms, width)}; client ${bytes("heap", m.growth.heap, m.baseline.heap, width)}, ` +
          `${bytes("RSS", m.growth.rss, m.baseline.rss, width)}; ${perWorker.join(", ")}; run keys left: ${keys}`,
      );
    }
    return lines;
  } finally {
    redis.disconnect();
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once("exit", r)) : undefined)));
    await server.stop();
  }
}

/** The scale section's printable lines (`compileError`: why Taskloom cannot run, when it cannot). */
export async function benchScale(options: { runs: number; warmup: number }, compileError: string | undefined): Promise<string[]> {
  const handle = compileError ?? (await loadHandle<number[], number>("bench/workflows/fanout.ts", "benchFanout"));
  if (typeof handle === "string") return [`scale: ${handle}`];
  const lines = [...(await localLines(handle, options.runs, options.warmup)), ...(await remoteLines(handle, options.runs, options.warmup))];
  lines.push(
    `B/instance = (peak growth of the N-wide run − peak growth of a ${BASELINE_WIDTH}-wide run just before it) / (N + 1); heap = process.memoryUsage().heapUsed after a full GC at the start ` +
      "(peaks include garbage not yet collected: an upper bound), RSS = the client's RSS, worker RSS = VmRSS of each dag-worker process (/proc/<pid>/status), sampled every 10 ms. " +
      "The values are small integers: no memory of their own beyond their slots. Dask: peak RSS growth (ru_maxrss) of building and running its graph, per task.",
  );
  lines.push(
    `remote: 2 dag-worker processes × 2 threads, loopback redis-server; run keys left: keys of runs (\`tl:{<run>}:…\`) in Redis after the runs, the metrics lists (kept with a TTL) and the shared run index excepted.`,
  );
  return lines;
}
