/**
 * Pre-warm in `npm run bench -- --only optimizations`: a planned run that needs a new worker. A
 * `dag-gateway` with configurations `a` (kept alive) and `b` (keep-alive 800 ms, so that its
 * worker is gone before each run); the workflow waits 1.5 s on `a`, then runs a short task that
 * the plan puts on `b`. Off (`optimizations: { prewarm: false }`), that task waits for a cold start
 * of `b`; on, the gateway starts `b`'s worker one measured cold start before the plan needs it.
 * Alternating rounds after warm-up runs (which also fill the history the planner reads); per run:
 * the makespan and the gateway's start metrics (cold starts, pre-warmed workers used).
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRedisHistory, getRunStartMetrics, plannedRun, type Planner, type RunReport } from "@taskloom/runtime";
import { Redis } from "ioredis";
import { compileForTest, createWorkDir } from "../../packages/runtime/test/local/compile-for-test.js";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startGateway } from "../lib/dag-worker.js";
import { summarize } from "../lib/stats.js";

const FIXTURES = fileURLToPath(new URL("../../packages/runtime/test/gateway/fixtures/workflows", import.meta.url));
const KEEP_ALIVE_MS = 800;
const WAIT_MS = 1500;
const CONFIGURATIONS = [
  { name: "a", memoryMb: 512, threads: 1, maxWorkers: 1, keepAliveMs: 600_000 },
  { name: "b", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: KEEP_ALIVE_MS },
];

/** The first task on `a`, the one after it on `b`. */
const split: Planner = {
  name: "split",
  plan: (input) => plannedRun("split", input, { groups: input.graph.ids.map((_, i) => (input.graph.deps[i]!.length === 0 ? "a" : "b")), colocate: [] }),
};

interface Sample {
  ms: number;
  cold: number;
  prewarmedUsed: number;
  coldMs: number[];
}

type Handle = { run(input: number, options: Record<string, unknown>): Promise<{ result: number; report: RunReport; runId: string }> };

/** Runs the pre-warm workload; returns printable lines. */
export async function benchPrewarm(options: { runs: number; warmup: number }): Promise<string[]> {
  const work = createWorkDir();
  const server = await startRedisServer();
  let gateway: ChildProcess | undefined;
  const redis = new Redis(server.url);
  try {
    const mod = (await compileForTest(work.dir, [{ dir: FIXTURES, entry: "gateway-tasks.ts", name: "gateway" }])).get("gateway")!;
    const history = await createRedisHistory(server.url);
    await history.clear();
    await history.close();
    gateway = await startGateway(server.url, CONFIGURATIONS);
    const handle = mod.handle("waitThen") as unknown as Handle;
    const once = async (off: boolean): Promise<Sample> => {
      // `b`'s worker of the last run stops after its keep-alive: this run needs a new one.
      await new Promise((r) => setTimeout(r, KEEP_ALIVE_MS + 1200));
      const { result, report, runId } = await handle.run(WAIT_MS, {
        redis: server.url,
        planner: split,
        report: true,
        ...(off ? { optimizations: { prewarm: false } } : {}),
      });
      if (result !== WAIT_MS * 2) throw new Error(`pre-warm bench: got ${result}, expected ${WAIT_MS * 2}`);
      const starts = await getRunStartMetrics(redis, runId);
      const cold = starts.filter((s) => s.kind === "cold");
      return {
        ms: report.makespanMs,
        cold: cold.length,
        prewarmedUsed: report.optimizations?.prewarmedUsed ?? 0,
        coldMs: cold.filter((s) => s.config === "b" && s.ms !== null).map((s) => s.ms!),
      };
    };
    for (let i = 0; i < Math.max(2, options.warmup); i++) {
      await once(true);
      await once(false);
    }
    const on: Sample[] = [];
    const off: Sample[] = [];
    for (let i = 0; i < options.runs; i++) {
      for (const isOff of i % 2 === 0 ? [false, true] : [true, false]) (isOff ? off : on).push(await once(isOff));
    }
    const med = (xs: number[]) => summarize(xs).median;
    const coldStart = med(off.flatMap((s) => s.coldMs));
    const cut = med(off.map((s, i) => s.ms - on[i]!.ms));
    const sum = (xs: Sample[], f: (s: Sample) => number) => xs.reduce((n, s) => n + f(s), 0);
    return [
      `pre-warm, a planned run needing a new worker of b (${WAIT_MS} ms on a, then a short task on b): cold starts off ${sum(off, (s) => s.cold)} vs on ${sum(on, (s) => s.cold)} in ${on.length} runs each ` +
        `(on: ${sum(on, (s) => s.prewarmedUsed)} pre-warmed workers used); makespan on ${med(on.map((s) => s.ms)).toFixed(1)} ms vs off ${med(off.map((s) => s.ms)).toFixed(1)} ms → cut ${cut.toFixed(1)} ms ` +
        `(median of ${on.length} paired rounds) vs measured cold start of b ${coldStart.toFixed(1)} ms. Goal: cut ≥ half the cold start: ${cut >= coldStart / 2 ? "met" : "NOT met"}.`,
    ];
  } finally {
    redis.disconnect();
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((r) => gateway!.once("exit", r));
      gateway.kill("SIGTERM");
      await exited;
    }
    await server.stop();
    work.dispose();
  }
}
