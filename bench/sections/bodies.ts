import { closeLocalPools } from "@taskloom/runtime";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { expectEqual, measurePair, type MeasureOptions, type PairedStats } from "../lib/stats.js";
import { range } from "../lib/shapes.js";
import { loadHandle, type BenchHandle } from "../taskloom-local.js";

const SOURCE = "bench/workflows/bodies.ts";
const LEAVES = range(1024);
const WIDE = range(10_000);
const TREE_SUM = 523_776;
const MAP_SUM = WIDE.reduce((s, x) => s + x * 2 + 1, 0);

type Run = (input: number[]) => Promise<number>;

function line(what: string, pair: PairedStats, aName: string, bName: string): string {
  return (
    `${what}: ${aName} ${pair.a.median.toFixed(1)} ms, ${bName} ${pair.b.median.toFixed(1)} ms → ` +
    `${aName}/${bName} = ${pair.ratio.median.toFixed(2)}× (median of ${pair.ratio.runs} paired rounds, ${pair.ratio.min.toFixed(2)}–${pair.ratio.max.toFixed(2)})`
  );
}

/** The inline step's cost per element: the median per-round extra time of `pair.b` over `pair.a`. */
function perElement(what: string, pair: PairedStats): string {
  const us = (ms: number) => ((ms * 1000) / WIDE.length).toFixed(2);
  return (
    `${what}: ${us(pair.extra.median)} µs (median of ${pair.extra.runs} paired rounds, ${us(pair.extra.min)} to ${us(pair.extra.max)}; ` +
    `runs ${pair.a.median.toFixed(1)} → ${pair.b.median.toFixed(1)} ms; goal < 5 µs)`
  );
}

async function pairs(mode: string, run: (name: string) => Promise<Run>, options: MeasureOptions): Promise<string[]> {
  const names = ["treeTasks", "treeInline", "mapTasks", "mapInline", "plainMap", "sumOnly", "mapPure"];
  const [treeTasks, treeInline, mapTasks, mapInline, plainMap, sumOnly, mapPure] = await Promise.all(names.map(run));
  const tree = (r: number) => expectEqual("S1 tree", r, TREE_SUM);
  const map = (r: number) => expectEqual("map x*2+1", r, MAP_SUM);
  const s1 = await measurePair(
    () => treeTasks!(LEAVES),
    () => treeInline!(LEAVES),
    options,
    tree,
    tree,
  );
  const m = await measurePair(
    () => mapTasks!(WIDE),
    () => mapInline!(WIDE),
    options,
    map,
    map,
  );
  // The inline step's own cost: the same fan-out with and without it, paired round by round
  // (the per-round difference is steadier than a difference of two medians); more rounds than the
  // ratios above, because the difference is a small part of each run.
  const fine = { ...options, runs: Math.max(11, 2 * (options.runs ?? 5) + 1) };
  const sumOfLeaves = (r: number) =>
    expectEqual(
      "map of leaves",
      r,
      WIDE.reduce((s, x) => s + x, 0),
    );
  const base = await measurePair(
    () => plainMap!(WIDE),
    () => mapInline!(WIDE),
    fine,
    sumOfLeaves,
    map,
  );
  const pure = await measurePair(
    () => sumOnly!(WIDE),
    () => mapPure!(WIDE),
    fine,
    sumOfLeaves,
    map,
  );
  return [
    line(`${mode} S1 tree 1,024 leaves, add as a task vs a + b inline`, s1, "task", "inline"),
    line(`${mode} 10,000-wide map, x*2+1 as a task vs inline`, m, "task", "inline"),
    perElement(`${mode} inline x*2+1 per element of a 10,000-wide fan-out over task results`, base),
    perElement(`${mode} inline xs.map((x) => x*2+1) per element, one step over the input`, pure),
  ];
}

/**
 * Issue #14's benchmarks: inline expressions against the same work as tasks, locally (2 threads)
 * and remotely (two dag-workers × 2 threads), in alternating paired rounds.
 */
export async function benchBodies(options: MeasureOptions, compileError: string | undefined): Promise<string[]> {
  if (compileError) return [compileError];
  const handle = async (name: string): Promise<BenchHandle<number[], number>> => {
    const h = await loadHandle<number[], number>(SOURCE, name);
    if (typeof h === "string") throw new Error(h);
    return h;
  };
  const out = await pairs(
    "local",
    async (name) => {
      const h = await handle(name);
      return (xs) => h.run(xs, { concurrency: 2 });
    },
    options,
  );
  await closeLocalPools();
  const server = await startRedisServer();
  const workers = [await startWorker(server.url), await startWorker(server.url)];
  try {
    const remote = await pairs(
      "remote",
      async (name) => {
        const h = (await handle(name)) as unknown as { run(i: number[], o: { redis: string }): Promise<number> };
        return (xs) => h.run(xs, { redis: server.url });
      },
      { runs: options.runs, warmup: Math.min(options.warmup ?? 1, 2) },
    );
    out.push(...remote);
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
  }
  return out;
}
