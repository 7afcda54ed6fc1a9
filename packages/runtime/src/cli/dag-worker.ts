#!/usr/bin/env node
/**
 * `dag-worker --redis <url> [--group <name>] [--concurrency <n>] [--memory-mb <n>] [--lease-ms <n>]
 * [--max-held <n>] [--worker-id <id>] [--metrics <strategy>]`:
 * a remote Taskloom worker. Runs tasks of any run on its own threads; stops cleanly on SIGTERM.
 */
import { parseArgs } from "node:util";
import { REDIS_URL_ENV, redactRedisUrl } from "../store/redis-url.js";
import { RemoteWorker } from "../worker/remote-worker.js";
import { parseMetricsUpload, type MetricsUpload } from "../worker/metrics-sink.js";

const USAGE =
  "usage: dag-worker --redis <url> [--group <name>] [--concurrency <n>] [--memory-mb <n>] [--lease-ms <n>] [--prefix <p>] [--max-held <n>] [--worker-id <id>] [--metrics per-task|per-batch|periodic:<ms>|buffer:<rows>|at-exit]";

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`dag-worker: --${name} must be a positive integer, got ${JSON.stringify(value)}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        redis: { type: "string" },
        group: { type: "string" },
        concurrency: { type: "string" },
        "memory-mb": { type: "string" },
        "lease-ms": { type: "string" },
        prefix: { type: "string" },
        help: { type: "boolean" },
        "max-held": { type: "string" },
        "worker-id": { type: "string" },
        metrics: { type: "string" },
      },
    }));
  } catch (error) {
    process.stderr.write(`dag-worker: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const redis = values.redis ?? process.env[REDIS_URL_ENV];
  if (typeof redis !== "string" || redis === "") {
    process.stderr.write(`dag-worker: --redis <url> (or ${REDIS_URL_ENV}) is required\n${USAGE}\n`);
    process.exit(2);
  }
  const memoryMb = int("memory-mb", values["memory-mb"] as string | undefined);
  const concurrency = int("concurrency", values.concurrency as string | undefined);
  const leaseMs = int("lease-ms", values["lease-ms"] as string | undefined);
  const maxHeld = int("max-held", values["max-held"] as string | undefined);
  const id = (values["worker-id"] as string | undefined) ?? process.env.TASKLOOM_WORKER_ID;
  let metrics: MetricsUpload | undefined;
  try {
    metrics = typeof values.metrics === "string" ? parseMetricsUpload(values.metrics) : undefined;
  } catch (error) {
    process.stderr.write(`dag-worker: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  let worker: RemoteWorker;
  try {
    worker = await RemoteWorker.start(redis, {
      ...(typeof values.group === "string" ? { group: values.group } : {}),
      ...(typeof values.prefix === "string" ? { prefix: values.prefix } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(memoryMb !== undefined ? { memoryMb } : {}),
      ...(leaseMs !== undefined ? { leaseMs } : {}),
      ...(maxHeld !== undefined ? { maxHeld } : {}),
      ...(id ? { id } : {}),
      ...(metrics ? { metrics } : {}),
    });
  } catch (error) {
    const e = error as { code?: string; message: string };
    process.stderr.write(`dag-worker: ${redactRedisUrl(e.message)}${e.code ? ` (${e.code})` : ""}\n`);
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    process.stdout.write(`dag-worker: ${signal}, finishing held work\n`);
    worker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

void main();
