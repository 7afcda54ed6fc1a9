#!/usr/bin/env node
/**
 * `dag-worker --redis <url> [--group <name>] [--concurrency <n>] [--memory-mb <n>] [--lease-ms <n>]
 * [--max-held <n>] [--worker-id <id>] [--metrics <strategy>] [--grace-ms <n>] [--max-value-bytes <n>]
 * [--signing-key-file <path>]`:
 * a remote Taskloom worker. Runs tasks of any run on its own threads; stops cleanly on SIGTERM
 * (within `--grace-ms`, whatever state Redis is in), and when the process that started it exits.
 */
import { parseArgs } from "node:util";
import { checkIntegerText } from "@taskloom/sdk/internal";
import { REDIS_URL_ENV, redactRedisUrl } from "../store/redis-url.js";
import { RemoteWorker } from "../worker/remote-worker.js";
import { parseMetricsUpload, type MetricsUpload } from "../worker/metrics-sink.js";
import { isRedisUnavailable } from "../store/redis-errors.js";
import { watchOutputs, watchParent } from "./parent-watch.js";
import { readSigningKeyFile } from "../protocol/bundle-signature.js";

const USAGE =
  "usage: dag-worker --redis <url> [--group <name>] [--concurrency <n>] [--memory-mb <n>] [--lease-ms <n>] [--prefix <p>] [--max-held <n>] [--worker-id <id>] [--metrics per-task|per-batch|periodic:<ms>|buffer:<rows>|at-exit] [--grace-ms <n>] [--max-value-bytes <n>] [--signing-key-file <path>]";

/** Default of --grace-ms: how long held work may take to finish after SIGTERM. */
const DEFAULT_GRACE_MS = 10_000;

function usageError(message: string): never {
  process.stderr.write(`dag-worker: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, value: string | undefined): number | undefined {
  return checkIntegerText(`--${name}`, value, 1, usageError);
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
        "grace-ms": { type: "string" },
        "max-value-bytes": { type: "string" },
        "signing-key-file": { type: "string" },
      },
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const redis = values.redis ?? process.env[REDIS_URL_ENV];
  if (typeof redis !== "string" || redis === "") usageError(`--redis <url> (or ${REDIS_URL_ENV}) is required`);
  const memoryMb = int("memory-mb", values["memory-mb"] as string | undefined);
  const concurrency = int("concurrency", values.concurrency as string | undefined);
  const leaseMs = int("lease-ms", values["lease-ms"] as string | undefined);
  const maxHeld = int("max-held", values["max-held"] as string | undefined);
  const graceMs = int("grace-ms", values["grace-ms"] as string | undefined) ?? DEFAULT_GRACE_MS;
  const id = (values["worker-id"] as string | undefined) ?? process.env.TASKLOOM_WORKER_ID;
  const maxValueBytes = int("max-value-bytes", values["max-value-bytes"] as string | undefined);
  let signingKey: Buffer | undefined;
  const keyFile = values["signing-key-file"];
  if (typeof keyFile === "string") {
    try {
      signingKey = readSigningKeyFile(keyFile);
    } catch (error) {
      // The message names the file, never its contents.
      process.stderr.write(`dag-worker: cannot read --signing-key-file: ${(error as Error).message.split("\n")[0]}\n`);
      process.exit(2);
    }
  }
  let metrics: MetricsUpload | undefined;
  try {
    metrics = typeof values.metrics === "string" ? parseMetricsUpload(values.metrics) : undefined;
  } catch (error) {
    usageError((error as Error).message);
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
      ...(maxValueBytes !== undefined ? { maxValueBytes } : {}),
      ...(signingKey ? { signingKey } : {}),
    });
  } catch (error) {
    const e = error as { code?: string; message: string };
    process.stderr.write(`dag-worker: ${redactRedisUrl(e.message)}${e.code ? ` (${e.code})` : ""}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (why: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`dag-worker: ${why}, finishing held work\n`);
    // A backstop: the worker exits within its grace time (plus its last flushes) whatever happens.
    setTimeout(() => process.exit(1), graceMs + 2000).unref();
    worker.stop(graceMs).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  watchParent(() => shutdown("its parent process exited"));
  // Nobody reads its log any more (the launcher that piped it died): it stops as when orphaned.
  watchOutputs((why) => shutdown(why));
}

// A Redis error must never end the worker: a stray rejection is logged (its work is redelivered).
process.on("unhandledRejection", (reason) => {
  if (!isRedisUnavailable(reason)) throw reason;
  process.stderr.write(`dag-worker: Redis error (${(reason as Error).message}); carrying on\n`);
});

void main();
