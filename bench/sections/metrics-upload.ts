/**
 * Part of the `remote` section: what each metrics upload strategy costs a worker, in µs per task.
 * A worker's real `MetricsSink` and `RedisRunStore` on a real redis-server: 20,000 task rows added
 * in batches of 16 (as a worker's completions do), then `close()` (which writes what is left);
 * wall time and process CPU time per task, median of alternating rounds, as ratios against
 * `per-batch` (the default).
 */
import { encodeMetricsRecord, type MetricsSource, type TaskMetricsRow } from "../../packages/runtime/dist/report/metrics-record.js";
import { connectRedis } from "../../packages/runtime/dist/store/redis-connection.js";
import { runKeys } from "../../packages/runtime/dist/store/redis-keys.js";
import { RedisRunStore } from "../../packages/runtime/dist/store/redis-run-store.js";
import { MetricsSink, parseMetricsUpload } from "../../packages/runtime/dist/worker/metrics-sink.js";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { summarize } from "../lib/stats.js";

const STRATEGIES = ["per-batch", "per-task", "periodic:100", "buffer:256", "at-exit"];
const ROWS = 20_000;
const BATCH = 16;
const SOURCE: MetricsSource = { worker: "bench-worker", thread: 0, group: "default", planner: "wukong", memoryMb: 1024 };

function rowsOf(batch: number): TaskMetricsRow[] {
  const t = Date.now();
  return Array.from({ length: BATCH }, (_, i) => ({
    instanceId: `n3[${batch * BATCH + i}]`,
    task: "bench.ts#Bench.inc",
    startedAt: t,
    finishedAt: t + 0.4,
    inputBytes: 8,
    outputBytes: 8,
    cold: false,
    queueWaitMs: 0.2,
    fetchMs: 0.01,
    redisBytes: 0,
    memoryBytes: 8,
    storeMs: 0.02,
    storedBytes: 0,
    updateMs: 0.05,
    attempt: 1,
    cpu: 0.9,
  }));
}

export async function benchMetricsUpload(runs: number, warmup: number): Promise<string[]> {
  const redis = await startRedisServer();
  const conn = await connectRedis(redis.url);
  const store = new RedisRunStore(conn, "bench");
  const batches = Array.from({ length: ROWS / BATCH }, (_, b) => rowsOf(b));
  if (encodeMetricsRecord(SOURCE, batches[0]!).length === 0) throw new Error("empty metrics record");
  try {
    const once = async (strategy: string, round: number): Promise<{ wallUs: number; cpuUs: number }> => {
      const runId = `metrics-${strategy.replace(":", "-")}-${round}`;
      const sink = new MetricsSink(store, parseMetricsUpload(strategy), (line) => {
        throw new Error(`metrics upload: ${line}`);
      });
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (const rows of batches) {
        sink.add(runId, SOURCE, rows);
        // A worker's completions come one event-loop turn apart: let the sink's writes run between them.
        await new Promise<void>((r) => setImmediate(r));
      }
      await sink.close();
      const wallUs = ((performance.now() - started) * 1000) / ROWS;
      const used = process.cpuUsage(cpu);
      const key = runKeys("bench", runId).metrics;
      const written = (await conn.lrange(key, 0, -1)).reduce((n, l) => n + (JSON.parse(l) as { r?: unknown[] }).r!.length, 0);
      if (written !== ROWS) throw new Error(`${strategy}: ${written} of ${ROWS} rows written`);
      await conn.del(key);
      return { wallUs, cpuUs: (used.user + used.system) / ROWS };
    };
    for (let w = 0; w < warmup; w++) for (const s of STRATEGIES) await once(s, -1 - w);
    const wall = new Map<string, number[]>(STRATEGIES.map((s) => [s, []]));
    const cpu = new Map<string, number[]>(STRATEGIES.map((s) => [s, []]));
    for (let r = 0; r < runs; r++) {
      for (const s of r % 2 === 0 ? STRATEGIES : [...STRATEGIES].reverse()) {
        const t = await once(s, r);
        wall.get(s)!.push(t.wallUs);
        cpu.get(s)!.push(t.cpuUs);
      }
    }
    const base = summarize(cpu.get("per-batch")!).median;
    const baseWall = summarize(wall.get("per-batch")!).median;
    return STRATEGIES.map((s) => {
      const c = summarize(cpu.get(s)!).median;
      const w = summarize(wall.get(s)!).median;
      return (
        `metrics upload ${s}: ${c.toFixed(2)} µs CPU per task (${(c / base).toFixed(2)}× per-batch), ${w.toFixed(2)} µs wall per task (${(w / baseWall).toFixed(2)}×); ` +
        `${ROWS.toLocaleString("en-US")} rows in batches of ${BATCH}, median of ${runs}`
      );
    });
  } finally {
    conn.disconnect();
    await redis.stop();
  }
}
