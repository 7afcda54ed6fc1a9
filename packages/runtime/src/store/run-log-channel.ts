import { DEFAULT_KEY_PREFIX, runKeys } from "./redis-keys.js";
import { connectRedis, duplicateConnection, type RedisConnection } from "./redis-connection.js";

/** A line a worker wrote while it worked on a task of the run. */
export interface RunLogLine {
  kind: "log";
  run: string;
  task: string;
  worker: string;
  config: string;
  stream: "out" | "err";
  line: string;
  /** Epoch milliseconds when the gateway read the line. */
  ts: number;
}

/**
 * The gateway stopped a task for good, or saw it die: `timeout` (it overran its `timeoutMs`),
 * `oom` (its worker hit the configuration's heap limit), `gateway-shutdown` (the gateway stopped
 * mid-run). The same record is stored with `GatewayStore.recordTaskFailure` for the runtime to read.
 */
export interface RunTaskFailure {
  kind: "task-failed";
  run: string;
  task: string;
  name: string | null;
  reason: "timeout" | "oom" | "gateway-shutdown";
  message: string;
  worker: string;
  config: string;
  attempt: number | null;
  /** The task's `timeoutMs` (timeout) and the configuration's heap limit in MB (oom), when known. */
  timeoutMs?: number | null;
  memoryMb?: number | null;
  ts: number;
}

/** A worker holding a task of the run made no progress for the configured time. */
export interface RunStallNotice {
  kind: "stalled";
  run: string;
  task: string;
  worker: string;
  config: string;
  message: string;
  ts: number;
}

export type RunLogMessage = RunLogLine | RunTaskFailure | RunStallNotice;

/**
 * Subscribes to a run's log channel, for `run(input, { redis, logs: true })`.
 * @param redis - the Redis the gateway publishes to: a URL, or a connection to duplicate.
 * @param run - the run id.
 * @param onMessage - called with each line or notice as the gateway relays it.
 * @param options.prefix - the deployment's key prefix (default `tl`).
 * @returns a function that unsubscribes and closes the connection.
 * @example
 * const stop = await subscribeRunLogs("redis://127.0.0.1:6379", runId, (m) => m.kind === "log" && console.log(m.line));
 */
export async function subscribeRunLogs(
  redis: string | RedisConnection,
  run: string,
  onMessage: (message: RunLogMessage) => void,
  options: { prefix?: string } = {},
): Promise<() => Promise<void>> {
  const channel = runKeys(options.prefix ?? DEFAULT_KEY_PREFIX, run).logs;
  const subscriber = typeof redis === "string" ? await connectRedis(redis) : await duplicateConnection(redis);
  subscriber.on("message", (from: string, text: string) => {
    if (from !== channel) return;
    try {
      onMessage(JSON.parse(text) as RunLogMessage);
    } catch {
      // Not ours: ignore.
    }
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel).catch(() => undefined);
    subscriber.disconnect();
  };
}
