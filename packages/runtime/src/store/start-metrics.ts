import type { Redis } from "ioredis";
import type { RedisConnection } from "./redis-connection.js";

/** How a worker came to run a run's first task on it: freshly started (cold) or already running (warm). */
export interface StartMetric {
  run: string;
  task: string;
  worker: string;
  config: string;
  kind: "cold" | "warm";
  /**
   * Cold: spawn of the worker process → start of the task (boot, Redis connection, code load).
   * Warm: enqueue of the task (its stream entry time) → start; null when the worker did not say
   * which stream entry the task came from.
   */
  ms: number | null;
  /** Spawn → `ready` of the worker, in milliseconds (the bare process start). */
  bootMs: number | null;
}

const TTL_SECONDS = 7 * 24 * 3600;

/** List of the run's {@link StartMetric}s (JSON), beside the run's other metrics. */
export function runStartMetricsKey(run: string): string {
  return `taskloom:metrics:{${run}}:starts`;
}

/** Hash of running totals per configuration: `<config>:<kind>:count` and `<config>:<kind>:ms`. */
export const START_STATS_KEY = "taskloom:metrics:gateway-start-stats";

/** Stores one start metric with the run, and adds it to the per-configuration totals planners read. */
export async function recordStartMetric(redis: Redis, metric: StartMetric): Promise<void> {
  const key = runStartMetricsKey(metric.run);
  const tx = redis.multi().rpush(key, JSON.stringify(metric)).expire(key, TTL_SECONDS);
  if (metric.ms !== null) {
    tx.hincrby(START_STATS_KEY, `${metric.config}:${metric.kind}:count`, 1);
    tx.hincrby(START_STATS_KEY, `${metric.config}:${metric.kind}:ms`, Math.round(metric.ms));
  }
  await tx.exec();
}

/** The start metrics stored for a run, in the order they happened. */
export async function getRunStartMetrics(redis: RedisConnection, run: string): Promise<StartMetric[]> {
  const items = await redis.lrange(runStartMetricsKey(run), 0, -1);
  return items.map((item) => JSON.parse(item) as StartMetric);
}
