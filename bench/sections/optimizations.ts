/**
 * `npm run bench -- --only optimizations`: the data-aware optimizations on vs off in the same run,
 * on two `dag-worker` processes (2 threads each) and a private redis-server. Each workload runs in
 * alternating rounds (on, off / off, on) after warm-up runs of both; per run it measures the
 * makespan (client wall time) and the bytes of outputs written to Redis (the run's
 * `bytesWritten`, exact) and everything clients sent to Redis (INFO total_net_input_bytes).
 */
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { summarize, type Stats } from "../lib/stats.js";
import { DataAware } from "../workflows/data-aware.js";
import { benchPreload } from "./optimizations-preload.js";
import { benchPrewarm } from "./optimizations-prewarm.js";
import { benchStreaming } from "./streaming.js";

/** What a run of a generated handle gives with `report: true`. */
interface Reported {
  result: unknown;
  report: { optimizations?: { bytesWritten?: number; bytesNotStored: number; clustered: number; fanInsPlaced: number; delayed: number } };
}
type Handle = { run(input: unknown, options: Record<string, unknown>): Promise<Reported> };

const OFF = { clustering: false, delayedIo: false };
const MB = 1024 * 1024;

/** One measured run. */
interface Sample {
  ms: number;
  written: number;
  sent: number;
  uses: string;
}

async function bytesIn(redis: Redis): Promise<number> {
  const net = await redis.info("stats");
  return Number(/total_net_input_bytes:(\d+)/.exec(net)?.[1] ?? 0);
}

async function once(handle: Handle, input: unknown, expected: unknown, url: string, redis: Redis, off: boolean): Promise<Sample> {
  const before = await bytesIn(redis);
  const t0 = performance.now();
  const { result, report } = await handle.run(input, { redis: url, report: true, ...(off ? { optimizations: OFF } : {}) });
  const ms = performance.now() - t0;
  if (result !== expected) throw new Error(`optimizations bench: got ${String(result)}, expected ${String(expected)} (${off ? "off" : "on"})`);
  const o = report.optimizations;
  const uses = o ? `${o.clustered} clustered, ${o.delayed} delayed, ${o.fanInsPlaced} fan-ins placed` : "none";
  return { ms, written: o?.bytesWritten ?? 0, sent: (await bytesIn(redis)) - before, uses };
}

function mib(bytes: number): string {
  return bytes < MB ? `${Math.round(bytes)} B` : `${(bytes / MB).toFixed(2)} MiB`;
}

function line(name: string, on: Sample[], off: Sample[]): string {
  const med = (xs: number[]): Stats => summarize(xs);
  const onMs = med(on.map((s) => s.ms));
  const offMs = med(off.map((s) => s.ms));
  const ratio = med(off.map((s, i) => s.ms / on[i]!.ms));
  const onW = med(on.map((s) => s.written)).median;
  const offW = med(off.map((s) => s.written)).median;
  const onSent = med(on.map((s) => s.sent)).median;
  const offSent = med(off.map((s) => s.sent)).median;
  const cut = offW > 0 ? (1 - onW / offW) * 100 : 0;
  return (
    `${name}: outputs written to Redis on ${mib(onW)} vs off ${mib(offW)} (−${cut.toFixed(1)} %; all bytes sent to Redis ${mib(onSent)} vs ${mib(offSent)}); ` +
    `makespan on ${onMs.median.toFixed(1)} ms vs off ${offMs.median.toFixed(1)} ms → off/on = ${ratio.median.toFixed(2)}× ` +
    `(median of ${ratio.runs} paired rounds, ${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}); on: ${on[0]!.uses}`
  );
}

/** Runs the section; returns printable lines. */
export async function benchOptimizations(options: { runs: number; warmup: number }): Promise<string[]> {
  const generated = (await import("../workflows/data-aware.dag.js")) as unknown as Record<string, Handle>;
  const server = await startRedisServer();
  const workers: ChildProcess[] = [await startWorker(server.url), await startWorker(server.url)];
  const redis = new Redis(server.url);
  const lines: string[] = [];
  try {
    const image = { width: 2048, height: 1366, seed: 11 };
    const block = { n: 1024, w: 16, seed: 5 };
    const workloads = [
      {
        name: `image pipeline, one ${mib(image.width * image.height * 3)} image → tone + edges → blend`,
        handle: generated.imagePipeline!,
        input: image,
        expected: DataAware.imagePipeline(image),
      },
      {
        name: `GEMM block, k split in 2: two ${mib(block.n * block.n * 8)} partial products (1024×16 · 16×1024) → sum`,
        handle: generated.gemmBlock!,
        input: block,
        expected: DataAware.gemmBlock(block),
      },
    ];
    for (const w of workloads) {
      for (let i = 0; i < options.warmup; i++) {
        await once(w.handle, w.input, w.expected, server.url, redis, false);
        await once(w.handle, w.input, w.expected, server.url, redis, true);
      }
      const on: Sample[] = [];
      const off: Sample[] = [];
      for (let i = 0; i < options.runs; i++) {
        const order = i % 2 === 0 ? [false, true] : [true, false];
        for (const isOff of order) (isOff ? off : on).push(await once(w.handle, w.input, w.expected, server.url, redis, isOff));
      }
      lines.push(line(w.name, on, off));
    }
    lines.push(
      "optimizations: 2 dag-worker processes × 2 threads, loopback redis-server; on = defaults (clustering, delayed I/O), off = run(input, { optimizations: { clustering: false, delayedIo: false } }); outputs written = the run's bytesWritten (encoded outputs stored).",
    );
    lines.push("Goals: clustering and delayed I/O cut the bytes written to Redis by ≥ 90 % and the makespan by ≥ 1.5× (off/on).");
    lines.push(...(await benchStreaming({ ...options, redisUrl: server.url })));
  } finally {
    redis.disconnect();
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
  }
  lines.push(...(await benchPreload(options)), ...(await benchPrewarm(options)));
  return lines;
}
