#!/usr/bin/env node
/**
 * `dag-dashboard [--redis <url>] [--history <file>] [--port 7430] [--host 127.0.0.1] [--token <t>] [--prefix tl] [--nice 10]`:
 * serves the dashboard of a deployment (remote runs from Redis) and of a local history store, at a
 * lower CPU priority (nice 10 by default) so that on a shared machine it yields to the runs it watches.
 * `dag-dashboard export <runId> [--html run.html] [--trace run.json] (--redis <url> | --history <file>)`:
 * writes one run as a self-contained page and/or a Chrome trace.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { htmlOf, traceOf } from "../dashboard/run-export.js";
import type { RunView } from "../dashboard/run-view.js";
import { startDashboardServer } from "../dashboard/dashboard-server.js";
import { fetchGatewayStatus } from "../gateway/status-command.js";
import { HistoryFeed } from "../dashboard/history-feed.js";
import { RemoteFeed } from "../dashboard/remote-feed.js";
import { createSqliteHistory } from "../history/sqlite-history-store.js";
import { connectRedis } from "../store/redis-connection.js";
import { RedisRunStore } from "../store/redis-run-store.js";
import { REDIS_URL_ENV, redactRedisUrl } from "../store/redis-url.js";
import { parsePort, runCommand, untilSignal } from "./cli-main.js";

const USAGE = `usage: dag-dashboard [--redis <url>] [--history <file>] [--port 7430] [--host 127.0.0.1] [--token <token>] [--prefix tl] [--gateway <host:port>] [--nice 10] [--keep-tasks 500000]
       dag-dashboard export <runId> [--html <file>] [--trace <file>] (--redis <url> [--prefix tl] | --history <file>)`;

/** The token's environment variable (instead of `--token`, which other users of the machine can read in ps). */
const TOKEN_ENV = "TASKLOOM_DASHBOARD_TOKEN";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      redis: { type: "string" },
      history: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      prefix: { type: "string" },
      html: { type: "string" },
      trace: { type: "string" },
      gateway: { type: "string" },
      nice: { type: "string" },
      "keep-tasks": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const redis = values.redis ?? process.env[REDIS_URL_ENV];
  if (!redis && !values.history) throw new Error(`--redis (or ${REDIS_URL_ENV}) or --history is required\n${USAGE}`);
  if (positionals[0] === "export") return exportRun(positionals[1], redis, values);
  if (positionals.length > 0) throw new Error(`unknown command ${JSON.stringify(positionals[0])}\n${USAGE}`);
  const port = parsePort(values.port) ?? 7430;
  lowerPriority(values.nice);
  const token = values.token ?? process.env[TOKEN_ENV];
  const gateway = values.gateway ? gatewayAddress(values.gateway) : undefined;
  const server = await startDashboardServer({
    port,
    host: values.host ?? "127.0.0.1",
    ...(token ? { token } : {}),
    ...(gateway ? { workers: () => fetchGatewayStatus(gateway.port, gateway.host) } : {}),
    ...(values["keep-tasks"] !== undefined ? { keptTasks: keptTasksOf(values["keep-tasks"]) } : {}),
  });
  const conn = redis ? await connectRedis(redis) : undefined;
  const store = conn ? new RedisRunStore(conn, values.prefix) : undefined;
  const remote = store ? new RemoteFeed(store, server, { log: (line) => console.error(redactRedisUrl(line)) }) : undefined;
  const history = values.history ? await createSqliteHistory(values.history) : undefined;
  const local = history ? new HistoryFeed(history, server) : undefined;
  await Promise.all([remote?.start(), local?.start()]);
  console.log(`dag-dashboard: ${server.url}${redis ? ` (runs of ${redactRedisUrl(redis)})` : ""}${values.history ? ` (history ${values.history})` : ""}`);
  await untilSignal();
  // A backstop, as dag-worker has: whatever state Redis is in (its commands wait for a reconnection), the dashboard exits in time.
  setTimeout(() => {
    console.error(`dag-dashboard: stopped after ${STOP_GRACE_MS} ms without a clean close (Redis unreachable?)`);
    process.exit(0);
  }, STOP_GRACE_MS).unref();
  local?.close();
  await remote?.close();
  await store?.close();
  conn?.disconnect();
  await history?.close();
  await server.close();
  return 0;
}

/**
 * The dashboard's CPU priority, a nice value from 0 to 19 (default 10): a dashboard on the machine
 * that runs the workers (or the client) then gets about a tenth of a busy core's time, not a full
 * share. S2 remote (10,000 tasks on two workers, 2 cores, `bench --only dashboard --runs 7`, one
 * run each, 2026-12-04): watched/plain 1.40× at nice 0, 1.31× at 10, 1.23× at 19; at 19 a run page
 * opened during that 300 ms run loaded only after it ended, hence the middle default.
 */
function lowerPriority(text: string | undefined): void {
  const nice = text === undefined ? DEFAULT_NICE : Number(text);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new Error(`--nice must be an integer from 0 to 19, got ${JSON.stringify(text)}`);
  try {
    if (nice > os.getPriority()) os.setPriority(nice);
  } catch (error) {
    console.error(`dag-dashboard: cannot lower its CPU priority to nice ${nice}: ${(error as Error).message}`);
  }
}

const DEFAULT_NICE = 10;

/** `--keep-tasks <n>`: task instances of ended runs kept in memory (the rest keep their summary; their detail is read again when asked for). */
function keptTasksOf(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--keep-tasks must be an integer >= 0, got ${JSON.stringify(text)}`);
  return n;
}

/** How long a signalled dashboard waits for its connections to close before it exits anyway (ms). */
const STOP_GRACE_MS = 3_000;

/** `--gateway host:port` (or a bare port) of a `dag-gateway`'s status endpoint. */
function gatewayAddress(text: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d+)$/.exec(text);
  if (!m) throw new Error(`--gateway must be <host>:<port> or <port>, got ${JSON.stringify(text)}`);
  return { host: m[1] ?? "127.0.0.1", port: parsePort(m[2]) as number };
}

/** `export <runId>`: reads the run once from Redis or the history, writes the files asked for. */
async function exportRun(
  runId: string | undefined,
  redis: string | undefined,
  values: { history?: string; prefix?: string; html?: string; trace?: string },
): Promise<number> {
  if (!runId || (!values.html && !values.trace)) throw new Error(`export needs a run id and --html and/or --trace\n${USAGE}`);
  const sink = new Map<string, RunView>();
  const collect = { runs: sink, addRun: (view: RunView) => void sink.set(view.id, view) };
  const conn = redis ? await connectRedis(redis) : undefined;
  const store = conn ? new RedisRunStore(conn, values.prefix) : undefined;
  const history = values.history ? await createSqliteHistory(values.history) : undefined;
  try {
    if (store) {
      const feed = new RemoteFeed(store, collect, { markPresence: false });
      await feed.start();
      await feed.close();
    }
    if (history && !sink.has(runId)) await new HistoryFeed(history, collect).read();
  } finally {
    await store?.close();
    conn?.disconnect();
    await history?.close();
  }
  const view = sink.get(runId);
  if (!view) throw new Error(`no run ${runId} in ${[redis && redactRedisUrl(redis), values.history].filter(Boolean).join(" or ")}`);
  if (values.html) writeFileSync(values.html, await htmlOf(view));
  if (values.trace) writeFileSync(values.trace, JSON.stringify(traceOf(view)));
  console.log(
    `dag-dashboard: exported run ${runId} (${view.tasks.size} tasks)${values.html ? ` to ${values.html}` : ""}${values.trace ? ` and its trace to ${values.trace}` : ""}`,
  );
  return 0;
}

runCommand(
  "dag-dashboard",
  () => main(process.argv.slice(2)),
  (code) => (code === "TL_DASHBOARD_TOKEN" ? 2 : 1),
);
