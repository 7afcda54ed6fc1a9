/**
 * What a worker gateway (and a worker running under one) reads and writes in Redis: the run's log
 * channel, the failure records of tasks it stopped, the start metrics of its workers and the depth
 * of its configurations' queues. Every key comes from redis-keys.ts, under the deployment's prefix.
 */
import { DEFAULT_KEY_PREFIX, runKeys, startStatsKey } from "./redis-keys.js";
import type { RedisConnection } from "./redis-connection.js";
import type { RunLogMessage, RunTaskFailure } from "./run-log-channel.js";
import type { StartMetric } from "./start-metrics.js";
import { probeQueue, type QueueDepth } from "./queue-probe.js";
import { takeDuePrewarms } from "./prewarm-requests.js";

/** How long a failure record outlives its last write: the runtime reads it when it claims the task again. */
const FAILURE_TTL_SECONDS = 24 * 3600;
/** How long start metrics stay when no client ends the run (the client sets the metrics TTL when it does). */
const START_TTL_SECONDS = 7 * 24 * 3600;

export class GatewayStore {
  /**
   * @param conn - an open connection (standalone or Cluster); the store does not close it.
   * @param prefix - key prefix of the deployment (default `tl`).
   */
  constructor(
    readonly conn: RedisConnection,
    readonly prefix = DEFAULT_KEY_PREFIX,
  ) {}

  /** Publishes a log line or notice on its run's log channel; a lost line is not an error. */
  publish(message: RunLogMessage): Promise<void> {
    return this.conn.publish(runKeys(this.prefix, message.run).logs, JSON.stringify(message)).then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Stores why a task's worker was stopped or died and announces it on the run's log channel, so
   * that the runtime, when it claims the task again, fails or retries it with this message, and a
   * client listening with `logs: true` learns it at once.
   */
  async recordTaskFailure(failure: RunTaskFailure): Promise<void> {
    const k = runKeys(this.prefix, failure.run);
    const text = JSON.stringify(failure);
    await this.conn.multi().hset(k.gatewayFailures, failure.task, text).expire(k.gatewayFailures, FAILURE_TTL_SECONDS).publish(k.logs, text).exec();
  }

  /** The gateway's failure record of a task, if any. */
  async taskFailure(run: string, task: string): Promise<RunTaskFailure | undefined> {
    const text = await this.conn.hget(runKeys(this.prefix, run).gatewayFailures, task);
    return text === null ? undefined : (JSON.parse(text) as RunTaskFailure);
  }

  /**
   * Stores one start metric with the run, and adds it to the per-configuration totals planners
   * read (a key of its own: two commands, since a Cluster keeps them in different slots).
   */
  async recordStartMetric(metric: StartMetric): Promise<void> {
    const key = runKeys(this.prefix, metric.run).starts;
    const writes: Promise<unknown>[] = [this.conn.multi().rpush(key, JSON.stringify(metric)).expire(key, START_TTL_SECONDS).exec()];
    if (metric.ms !== null) {
      const stats = startStatsKey(this.prefix);
      writes.push(
        this.conn
          .multi()
          .hincrby(stats, `${metric.config}:${metric.kind}:count`, 1)
          .hincrby(stats, `${metric.config}:${metric.kind}:ms`, Math.round(metric.ms))
          .exec(),
      );
    }
    await Promise.all(writes);
  }

  /** Pre-warm requests of configuration `config` due at `now`, taken by this gateway (the run id of each). */
  takeDuePrewarms(config: string, now: number): Promise<string[]> {
    return takeDuePrewarms(this.conn, this.prefix, config, now);
  }

  /** The queue of a configuration as it stands: waiting, orphaned and held entries. */
  probeQueue(queueKey: string, liveConsumers: ReadonlySet<string>): Promise<QueueDepth> {
    return probeQueue(this.conn, queueKey, liveConsumers);
  }
}
