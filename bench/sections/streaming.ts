/**
 * Part of `npm run bench -- --only optimizations`: output streaming. A pipeline whose producer and
 * reader cost the same, streamed vs materialized, locally (threads) and on dag-workers (Redis
 * Streams), in alternating rounds. The goal: the streamed makespan is at most 1.2× the longer of
 * the two tasks (each task's own time, measured in the materialized runs' reports), not their sum.
 */
import { summarize } from "../lib/stats.js";
import { StreamBench, type StreamJob } from "../workflows/streaming.js";

type Handle = {
  run(
    input: unknown,
    options?: Record<string, unknown>,
  ): Promise<{ result: unknown; report: { tasks: { task: string; startedAt?: number; finishedAt?: number }[] } }>;
};

interface Round {
  streamed: number;
  materialized: number;
  /** The longer of the materialized producer's and reader's own times (ms). */
  longer: number;
}

async function timed(handle: Handle, job: StreamJob, options: Record<string, unknown>, expected: number): Promise<{ ms: number; longer: number }> {
  const t0 = performance.now();
  const { result, report } = await handle.run(job, { ...options, report: true });
  const ms = performance.now() - t0;
  if (result !== expected) throw new Error(`streaming bench: got ${String(result)}, expected ${expected}`);
  const own = report.tasks.map((t) => (t.finishedAt ?? 0) - (t.startedAt ?? 0));
  return { ms, longer: Math.max(...own) };
}

function line(where: string, rounds: Round[], job: StreamJob): string {
  const s = summarize(rounds.map((r) => r.streamed));
  const m = summarize(rounds.map((r) => r.materialized));
  const longer = summarize(rounds.map((r) => r.longer));
  const ratio = summarize(rounds.map((r) => r.streamed / r.longer));
  return (
    `streaming pipeline ${where}, ${job.n} chunks × ${job.bytes} B, ${job.msEach} ms per chunk on each side: ` +
    `streamed ${s.median.toFixed(1)} ms vs materialized ${m.median.toFixed(1)} ms; longer task alone ${longer.median.toFixed(1)} ms → ` +
    `streamed/longer = ${ratio.median.toFixed(2)}× (median of ${ratio.runs} rounds, ${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}; goal ≤ 1.2×)`
  );
}

/** Runs the streaming part locally and, when `redisUrl` is given, on its dag-workers; returns printable lines. */
export async function benchStreaming(options: { runs: number; warmup: number; redisUrl?: string }): Promise<string[]> {
  const generated = (await import("../workflows/streaming.dag.js")) as unknown as Record<string, Handle>;
  const job: StreamJob = { n: 200, bytes: 4096, msEach: 5 };
  let expected = 0;
  for await (const c of StreamBench.produce({ ...job, msEach: 0 })) expected += c[0] ?? 0;
  const lines: string[] = [];
  const places: [string, Record<string, unknown>][] = [["locally (2 threads)", {}]];
  if (options.redisUrl) places.push(["on 2 dag-workers (Redis Streams)", { redis: options.redisUrl }]);
  for (const [where, runOptions] of places) {
    const rounds: Round[] = [];
    for (let i = 0; i < options.warmup + options.runs; i++) {
      const order = i % 2 === 0 ? ["streamed", "materialized"] : ["materialized", "streamed"];
      const round: Partial<Round> = {};
      for (const w of order) {
        const r = await timed(generated[w]!, job, runOptions, expected);
        if (w === "streamed") round.streamed = r.ms;
        else {
          round.materialized = r.ms;
          round.longer = r.longer;
        }
      }
      if (i >= options.warmup) rounds.push(round as Round);
    }
    lines.push(line(where, rounds, job));
  }
  return lines;
}
