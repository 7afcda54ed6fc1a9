#!/usr/bin/env node
/**
 * `dag-dashboard [--redis <url>] [--history <file>] [--port 7430] [--host 127.0.0.1] [--token <t>] [--prefix tl]`:
 * serves the dashboard of a deployment (remote runs from Redis) and of a local history store.
 */
import { parseArgs } from "node:util";
import { startDashboardServer } from "../dashboard/dashboard-server.js";
import { HistoryFeed } from "../dashboard/history-feed.js";
import { RemoteFeed } from "../dashboard/remote-feed.js";
import { createSqliteHistory } from "../history/sqlite-history-store.js";
import { connectRedis } from "../store/redis-connection.js";
import { RedisRunStore } from "../store/redis-run-store.js";
import { REDIS_URL_ENV, redactRedisUrl } from "../store/redis-url.js";
import { parsePort, runCommand, untilSignal } from "./cli-main.js";

const USAGE = `usage: dag-dashboard [--redis <url>] [--history <file>] [--port 7430] [--host 127.0.0.1] [--token <token>] [--prefix tl]`;

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
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new Error(`unknown command ${JSON.stringify(positionals[0])}\n${USAGE}`);
  const port = parsePort(values.port) ?? 7430;
  const redis = values.redis ?? process.env[REDIS_URL_ENV];
  if (!redis && !values.history) throw new Error(`--redis (or ${REDIS_URL_ENV}) or --history is required\n${USAGE}`);
  const token = values.token ?? process.env[TOKEN_ENV];
  const server = await startDashboardServer({ port, host: values.host ?? "127.0.0.1", ...(token ? { token } : {}) });
  const conn = redis ? await connectRedis(redis) : undefined;
  const store = conn ? new RedisRunStore(conn, values.prefix) : undefined;
  const remote = store ? new RemoteFeed(store, server, { log: (line) => console.error(redactRedisUrl(line)) }) : undefined;
  const history = values.history ? await createSqliteHistory(values.history) : undefined;
  const local = history ? new HistoryFeed(history, server) : undefined;
  await Promise.all([remote?.start(), local?.start()]);
  console.log(`dag-dashboard: ${server.url}${redis ? ` (runs of ${redactRedisUrl(redis)})` : ""}${values.history ? ` (history ${values.history})` : ""}`);
  await untilSignal();
  local?.close();
  await remote?.close();
  await store?.close();
  conn?.disconnect();
  await history?.close();
  await server.close();
  return 0;
}

runCommand(
  "dag-dashboard",
  () => main(process.argv.slice(2)),
  (code) => (code === "TL_DASHBOARD_TOKEN" ? 2 : 1),
);
