/**
 * The `planners` section on a real gateway: a `dag-gateway` (started with `node <bin>`) with two
 * configurations of different `cpus` and memory, the critical-path workflow (`bench/workflows/planned.ts`)
 * run by each planner after 3 warm-up runs per planner (which also fill the history), then in
 * alternating rounds: measured makespan and GB-seconds per planner, and the prediction error of
 * the makespan (|predicted − measured| / measured). Goals: prediction error median ≤ 10 %;
 * non-uniform ≥ 25 % cheaper than uniform (on the fastest configuration), ≤ 10 % slower.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRedisHistory, type RunOutcome } from "@taskloom/runtime";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { summarize } from "../lib/stats.js";
import { loadHandle } from "../taskloom-local.js";

const GATEWAY = fileURLToPath(new URL("../../packages/runtime/dist/cli/dag-gateway.js", import.meta.url));
const XS = Array.from({ length: 24 }, (_, i) => i + 1);
const EXPECTED = 6 + XS.reduce((s, x) => s + 2 * x, 0);
const CONFIGURATIONS = [
  { name: "fast", memoryMb: 1024, cpus: 1, threads: 2, maxWorkers: 2, keepAliveMs: 120_000 },
  { name: "slow", memoryMb: 256, cpus: 0.25, threads: 4, maxWorkers: 2, keepAliveMs: 120_000 },
];

type PlannedRun = (xs: number[], options: Record<string, unknown>) => Promise<RunOutcome<number>>;

async function startGateway(url: string): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), "tl-bench-gw-"));
  writeFileSync(join(dir, "gw.json"), JSON.stringify({ statusPort: 0, pollMs: 25, configurations: CONFIGURATIONS }));
  const child = spawn(process.execPath, [GATEWAY, "--redis", url, "--config", join(dir, "gw.json")], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!out.includes("listening on")) return;
      child.stdout?.off("data", onData);
      resolve();
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`dag-gateway exited with code ${code}:\n${out}`)));
  });
  child.stdout?.resume();
  return child;
}

export async function benchPlannersOnGateway(runs: number, warmup: number): Promise<string[]> {
  const handle = await loadHandle<number[], number>("bench/workflows/planned.ts", "criticalPath");
  if (typeof handle === "string") return [`gateway planners: ${handle}`];
  const run = handle.run as unknown as PlannedRun;
  const redis = await startRedisServer();
  const gateway = await startGateway(redis.url);
  try {
    const history = await createRedisHistory(redis.url);
    await history.clear();
    await history.close();
    const planners = ["uniform", "non-uniform"] as const;
    const once = async (planner: string): Promise<RunOutcome<number>> => {
      const outcome = await run(XS, { redis: redis.url, planner, report: true });
      if (outcome.result !== EXPECTED) throw new Error(`${planner}: expected ${EXPECTED}, got ${outcome.result}`);
      return outcome;
    };
    // One run on each configuration first, so that both have samples, then the warm-up runs.
    await run(XS, { redis: redis.url, planner: "uniform", plannerOptions: { configuration: "slow" }, report: true });
    for (let w = 0; w < warmup; w++) for (const p of planners) await once(p);
    const measured = new Map<string, { ms: number[]; gbs: number[]; error: number[] }>(planners.map((p) => [p, { ms: [], gbs: [], error: [] }]));
    for (let r = 0; r < runs; r++) {
      for (const p of r % 2 === 0 ? planners : [...planners].reverse()) {
        const { report } = await once(p);
        const m = measured.get(p)!;
        m.ms.push(report.makespanMs);
        m.gbs.push(report.cost.gbSeconds);
        m.error.push(Math.abs(report.plan!.predictedMakespanMs - report.makespanMs) / report.makespanMs);
      }
    }
    const lines = [
      `gateway: fast (1 cpu, 1024 MB, 2 threads × 2 workers), slow (0.25 cpu, 256 MB, 4 threads × 2 workers); criticalPath: 6 CPU-bound links beside ${XS.length} 50 ms waits; ${warmup} warm-up runs per planner, ${runs} alternating rounds`,
    ];
    for (const p of planners) {
      const m = measured.get(p)!;
      lines.push(
        `${p}: makespan ${summarize(m.ms).median.toFixed(0)} ms (${summarize(m.ms).min.toFixed(0)}–${summarize(m.ms).max.toFixed(0)}), ` +
          `${summarize(m.gbs).median.toFixed(3)} GB-s; prediction error median ${(summarize(m.error).median * 100).toFixed(1)} % (max ${(summarize(m.error).max * 100).toFixed(1)} %)`,
      );
    }
    const u = measured.get("uniform")!;
    const n = measured.get("non-uniform")!;
    const cost = summarize(n.gbs).median / summarize(u.gbs).median;
    const time = summarize(n.ms).median / summarize(u.ms).median;
    const error = summarize([...u.error, ...n.error]).median;
    lines.push(
      `non-uniform / uniform: cost ${cost.toFixed(2)}× (goal ≤ 0.75: ${cost <= 0.75 ? "met" : "NOT met"}), makespan ${time.toFixed(2)}× (goal ≤ 1.10: ${time <= 1.1 ? "met" : "NOT met"}); ` +
        `prediction error median over both ${(error * 100).toFixed(1)} % (goal ≤ 10 %: ${error <= 0.1 ? "met" : "NOT met"})`,
    );
    return lines;
  } finally {
    gateway.kill("SIGTERM");
    await new Promise((r) => gateway.once("exit", r));
    await redis.stop();
  }
}
