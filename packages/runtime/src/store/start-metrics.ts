import { DEFAULT_KEY_PREFIX, runKeys } from "./redis-keys.js";
import type { RedisConnection } from "./redis-connection.js";

/**
 * How a worker came to run a run's first task on it: freshly started (cold) or already running
 * (warm; `prewarmed` when the gateway started it early for a run's plan). A `prewarm` entry says a
 * gateway started the worker for the run (task empty, ms null): it was used when a later entry
 * of the run names the same worker.
 */
export interface StartMetric {
  run: string;
  task: string;
  worker: string;
  config: string;
  kind: "cold" | "warm" | "prewarm";
  /** A warm start on a worker the gateway pre-warmed (its first task). */
  prewarmed?: true;
  /**
   * Cold: spawn of the worker process → start of the task (boot, Redis connection, code load).
   * Warm: enqueue of the task (its stream entry time) → start; null when the worker did not say
   * which stream entry the task came from.
   */
  ms: number | null;
  /** Spawn → `ready` of the worker, in milliseconds (the bare process start). */
  bootMs: number | null;
}

/**
 * The start metrics stored for a run, in the order they happened (a gateway records them; they
 * expire with the run's metrics).
 * @param options.prefix - the deployment's key prefix (default `tl`).
 */
export async function getRunStartMetrics(redis: RedisConnection, run: string, options: { prefix?: string } = {}): Promise<StartMetric[]> {
  const items = await redis.lrange(runKeys(options.prefix ?? DEFAULT_KEY_PREFIX, run).starts, 0, -1);
  return items.map((item) => JSON.parse(item) as StartMetric);
}
