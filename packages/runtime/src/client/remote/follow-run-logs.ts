import type { RedisConnection } from "../../store/redis-connection.js";
import { subscribeRunLogs, type RunLogMessage } from "../../store/run-log-channel.js";

/** What `run(input, { redis, logs })` does with a run's lines: print them, or hand them to a function. */
export type RunLogsOption = boolean | ((line: string, message: RunLogMessage) => void);

/**
 * One line for a run's log message, as the client prints it:
 * `[default#1@ab12 n3[2]] text`, `[default#1@ab12 n3[2] stderr] text`, `[gateway] ...`.
 */
export function formatRunLogMessage(message: RunLogMessage): string {
  switch (message.kind) {
    case "log":
      return `[${message.worker} ${message.task}${message.stream === "err" ? " stderr" : ""}] ${message.line}`;
    case "stalled":
      return `[gateway] STALLED: ${message.message}`;
    case "task-failed":
      return `[gateway] ${message.message}`;
  }
}

const QUIET_MS = 100;
const DRAIN_MAX_MS = 1000;

/**
 * Follows a run's log channel for `run(input, { redis, logs })`: subscribes (before the run's
 * roots are seeded, so no line is missed), prints each line on stdout (`logs: true`) or passes it
 * to the function, and returns a function that, once the run has ended, waits for the lines still
 * on their way (until none came for 100 ms, at most 1 s) and unsubscribes.
 */
export async function followRunLogs(redis: RedisConnection, run: string, logs: RunLogsOption, prefix?: string): Promise<() => Promise<void>> {
  const sink = typeof logs === "function" ? logs : (line: string) => void process.stdout.write(`${line}\n`);
  let last = Date.now();
  const unsubscribe = await subscribeRunLogs(
    redis,
    run,
    (message) => {
      last = Date.now();
      sink(formatRunLogMessage(message), message);
    },
    { prefix },
  );
  return async () => {
    const deadline = Date.now() + DRAIN_MAX_MS;
    while (Date.now() - last < QUIET_MS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await unsubscribe();
  };
}
