import { availableParallelism } from "node:os";
import { InvalidOptionError, type OptimizationSwitches, validateOptimizationSwitches } from "@taskloom/sdk";
import { defaultOptimizationSettings, type OptimizationSettings } from "../scheduling/optimizations.js";
import type { RunEvent } from "../protocol/run-events.js";
import type { ProgressOptions } from "../report/progress-bar.js";
import { checkInteger, checkKeys, showValue } from "@taskloom/sdk/internal";
import { redactRedisUrl } from "../store/redis-url.js";
import { DEFAULT_MAX_VALUE_BYTES } from "../codec/value-limit.js";
import { signingKeyFromEnv } from "../protocol/bundle-signature.js";
import type { RunLogMessage } from "../store/run-log-channel.js";
import type { Planner, PlannerOptions } from "../planning/planner.js";
import { resolvePlanner } from "../planning/planners.js";
import { parseSla, type Sla } from "../planning/sla.js";

/** Options of `handle.run(input, options)`. */
export interface RunOptions {
  /** Worker threads (local runs). Default: `os.availableParallelism()`. */
  concurrency?: number;
  /** Aborting it rejects the run with `RunAbortedError` and stops its tasks. */
  signal?: AbortSignal;
  /** The run rejects with `RunTimeoutError` after this many ms. Default: the `@workflow`'s `timeoutMs`, else none. */
  timeoutMs?: number;
  /** Draw a progress bar (tasks done / known, rate, elapsed) on stderr when it is a TTY. */
  progress?: boolean | ProgressOptions;
  /** Receives typed task events (queued, started, finished, failed, retrying) with timestamps. */
  onEvent?: (event: RunEvent) => void;
  /** Resolve to `{ result, report }` instead of the result. */
  report?: boolean;
  /** Run on remote `dag-worker` processes through this Redis URL instead of local threads. */
  redis?: string;
  /**
   * With `redis`: follow the lines the run's tasks write, as a worker gateway relays them (printed on
   * stdout with `true`, or passed to the function). Needs a gateway (`dag-gateway`) serving the workers.
   */
  logs?: boolean | ((line: string, message: RunLogMessage) => void);
  /**
   * With `redis`: switches the data-aware optimizations on or off for every task of the run (task
   * clustering, delayed I/O, pre-load, pre-warm); a switch not given here follows each task's
   * `@task({ optimizations })`, else its default (all on).
   */
  optimizations?: OptimizationSwitches;
  /** With `redis`: outputs larger than this many bytes are large (clustering, delayed I/O). Default 1 MiB; a task's `largeOutputBytes` overrides it. */
  largeOutputBytes?: number;
  /** Show the run live on this process's dashboard (127.0.0.1, a free port; the page's URL is printed on stderr). */
  dashboard?: boolean;
  /** With `redis`: delayed I/O keeps a large output on its worker at most this long (ms) before storing it. Default 1000. */
  delayedIoMaxMs?: number;
  /**
   * With `redis`: the run rejects with `TL_REDIS_UNREACHABLE` once Redis has not answered for this
   * long (ms). Shorter outages are ridden out: workers reconnect and the run goes on. Default 30000.
   */
  redisOutageMs?: number;
  /**
   * With `redis`: place the run's tasks on the gateways' worker configurations with this planner
   * (`wukong`, `uniform`, `non-uniform`, or a {@link Planner}), from the workflow's history and the
   * configurations the gateways publish; `report.plan` holds what it predicted. The run is recorded
   * in the history afterwards. Without a history the default plan runs and `report.plan.fallback` says why.
   */
  planner?: "wukong" | "uniform" | "non-uniform" | Planner;
  /** With `planner`: what predictions are taken at, `mean` or a percentile of times `p50` … `p99`. Default `mean`. */
  sla?: Sla;
  /** With `planner`: the planner's options (`slackPct` for `non-uniform`, `configuration` for `uniform`, a user planner's own). */
  plannerOptions?: PlannerOptions;
  /**
   * With `planner`: where the history lives: `redis` (default: the run's Redis, shared by every
   * client of the deployment) or the path of a SQLite file (e.g. `.taskloom/history.sqlite`).
   */
  history?: string;
  /**
   * The largest value a run may hold, in bytes (the input, each task's arguments and output, each
   * value read back from Redis): a larger one fails the run with `ValueTooLargeError`
   * (`TL_VALUE_TOO_LARGE`) naming it, instead of running out of memory. Sizes are the runtime's
   * estimate (exact for strings and binary data). Default 256 MiB; a `dag-worker --max-value-bytes`
   * lower than the run's wins on that worker.
   */
  maxValueBytes?: number;
  /**
   * With `redis`: the key that signs the run's bundle and manifest (HMAC-SHA256), for workers
   * started with the same key (`TASKLOOM_SIGNING_KEY`, `dag-worker --signing-key-file`), which
   * refuse what is unsigned or signed with another key. Default: `TASKLOOM_SIGNING_KEY`, else none.
   */
  signingKey?: string | Uint8Array;
}

/** Default of {@link RunOptions.redisOutageMs}. */
export const DEFAULT_REDIS_OUTAGE_MS = 30_000;

/** {@link RunOptions} after validation and defaults. */
export interface ResolvedRunOptions {
  concurrency: number;
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
  progress: ProgressOptions | undefined;
  onEvent: ((event: RunEvent) => void) | undefined;
  report: boolean;
  redis: string | undefined;
  logs: boolean | ((line: string, message: RunLogMessage) => void);
  optimizations: OptimizationSettings;
  dashboard: boolean;
  redisOutageMs: number;
  /** The planner of a planned remote run, with its SLA, options and history location. */
  planning: { planner: Planner; sla: Sla; options: PlannerOptions; history: string } | undefined;
  maxValueBytes: number;
  /** The signing key (from the option or `TASKLOOM_SIGNING_KEY`), remote runs only. */
  signingKey: Buffer | undefined;
}

const KEYS = new Set([
  "concurrency",
  "signal",
  "timeoutMs",
  "progress",
  "onEvent",
  "report",
  "redis",
  "logs",
  "optimizations",
  "largeOutputBytes",
  "delayedIoMaxMs",
  "dashboard",
  "redisOutageMs",
  "planner",
  "sla",
  "plannerOptions",
  "history",
  "maxValueBytes",
  "signingKey",
]);

/** Options of local runs only, and why a remote run has no use for them. */
const LOCAL_ONLY: Record<string, string> = {
  concurrency: "a remote run's threads are its workers' (dag-worker --concurrency, a gateway configuration's threads)",
};

/** Options of remote runs only (`redis`), and why a local run has no use for them. */
const REMOTE_ONLY: Record<string, string> = {
  logs: "lines are relayed by a worker gateway",
  optimizations: "the data-aware optimizations decide what goes through Redis",
  largeOutputBytes: "it sizes outputs for clustering and delayed I/O, which only remote runs do",
  delayedIoMaxMs: "delayed I/O keeps outputs on remote workers",
  planner: "planners place tasks on the worker configurations of a gateway (dag-gateway), which a local run does not have",
  sla: "it is the planner's SLA",
  plannerOptions: "they are the planner's options",
  history: "it is where planned runs are learned from",
  signingKey: "it signs the bundle and manifest that remote workers check; local threads run the bundle of this process",
};

/** Rejects an option that has no meaning for the run's mode (local, or remote with `redis`), naming it. */
function checkMode(o: Record<string, unknown>): void {
  const remote = o.redis !== undefined;
  for (const [key, why] of Object.entries(remote ? LOCAL_ONLY : REMOTE_ONLY)) {
    const value = o[key];
    if (value === undefined || (key === "logs" && value === false)) continue;
    throw new InvalidOptionError(
      remote
        ? `options.${key} has no meaning on a remote run (options.redis is set): ${why}`
        : `options.${key} needs options.redis: ${why}; a local run does not use it`,
    );
  }
}

function positiveInteger(name: string, value: unknown): number | undefined {
  return checkInteger(`options.${name}`, value, 1);
}

/**
 * Validates run options at the public boundary; messages name the option and the value.
 * @param workflowTimeoutMs - the `@workflow`'s default `timeoutMs`.
 */
export function resolveRunOptions(options: unknown, workflowTimeoutMs: number | undefined): ResolvedRunOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`run options must be an object, got ${showValue(options)}`);
  }
  const o = options as Record<string, unknown>;
  checkKeys(o, KEYS, (key, expected) => `unknown run option "${key}"; expected one of ${expected}`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidOptionError(`options.signal must be an AbortSignal, got ${showValue(o.signal)}`);
  }
  if (o.onEvent !== undefined && typeof o.onEvent !== "function") {
    throw new InvalidOptionError(`options.onEvent must be a function, got ${showValue(o.onEvent)}`);
  }
  if (o.report !== undefined && typeof o.report !== "boolean") {
    throw new InvalidOptionError(`options.report must be a boolean, got ${showValue(o.report)}`);
  }
  if (o.redis !== undefined && (typeof o.redis !== "string" || !/^rediss?:\/\/|^unix:\/\//.test(o.redis))) {
    throw new InvalidOptionError(
      `options.redis must be a redis:// URL, got ${typeof o.redis === "string" ? JSON.stringify(redactRedisUrl(o.redis)) : showValue(o.redis)}`,
    );
  }
  if (o.dashboard !== undefined && typeof o.dashboard !== "boolean") {
    throw new InvalidOptionError(`options.dashboard must be a boolean, got ${showValue(o.dashboard)}`);
  }
  if (o.logs !== undefined && typeof o.logs !== "boolean" && typeof o.logs !== "function") {
    throw new InvalidOptionError(`options.logs must be a boolean or a function, got ${showValue(o.logs)}`);
  }
  checkMode(o);
  return {
    concurrency: positiveInteger("concurrency", o.concurrency) ?? availableParallelism(),
    signal: o.signal as AbortSignal | undefined,
    timeoutMs: positiveInteger("timeoutMs", o.timeoutMs) ?? workflowTimeoutMs,
    progress: resolveProgress(o.progress),
    onEvent: o.onEvent as ResolvedRunOptions["onEvent"],
    report: o.report === true,
    redis: o.redis as string | undefined,
    logs: (o.logs as ResolvedRunOptions["logs"] | undefined) ?? false,
    optimizations: resolveOptimizations(o),
    dashboard: o.dashboard === true,
    redisOutageMs: positiveInteger("redisOutageMs", o.redisOutageMs) ?? DEFAULT_REDIS_OUTAGE_MS,
    planning: resolvePlanning(o),
    maxValueBytes: positiveInteger("maxValueBytes", o.maxValueBytes) ?? DEFAULT_MAX_VALUE_BYTES,
    signingKey: o.redis === undefined ? undefined : resolveSigningKey(o.signingKey),
  };
}

function resolvePlanning(o: Record<string, unknown>): ResolvedRunOptions["planning"] {
  if (o.planner === undefined) {
    for (const key of ["sla", "plannerOptions", "history"]) {
      if (o[key] !== undefined) throw new InvalidOptionError(`options.${key} needs options.planner (it is used to plan the run)`);
    }
    return undefined;
  }
  const planner = resolvePlanner(o.planner);
  const sla = o.sla === undefined ? "mean" : parseSla(o.sla);
  if (o.plannerOptions !== undefined && (typeof o.plannerOptions !== "object" || o.plannerOptions === null || Array.isArray(o.plannerOptions))) {
    throw new InvalidOptionError(`options.plannerOptions must be an object, got ${showValue(o.plannerOptions)}`);
  }
  if (o.history !== undefined && (typeof o.history !== "string" || o.history === "")) {
    throw new InvalidOptionError(`options.history must be "redis" or the path of a SQLite file, got ${showValue(o.history)}`);
  }
  return { planner, sla, options: (o.plannerOptions as PlannerOptions | undefined) ?? {}, history: (o.history as string | undefined) ?? "redis" };
}

/** The signing key of a remote run: the option, else `TASKLOOM_SIGNING_KEY`; never shown in a message. */
function resolveSigningKey(value: unknown): Buffer | undefined {
  if (value === undefined) return signingKeyFromEnv();
  if (typeof value === "string" && value !== "") return Buffer.from(value, "utf8");
  if (value instanceof Uint8Array && value.byteLength > 0) return Buffer.from(value);
  throw new InvalidOptionError(
    `options.signingKey must be a non-empty string or Uint8Array, got ${typeof value === "string" ? "an empty string" : value instanceof Uint8Array ? "empty bytes" : `a value of type ${typeof value}`}`,
  );
}

function resolveOptimizations(o: Record<string, unknown>): OptimizationSettings {
  const settings = defaultOptimizationSettings();
  if (o.optimizations !== undefined) settings.switches = { ...validateOptimizationSwitches("options.optimizations", o.optimizations) };
  settings.largeOutputBytes = positiveInteger("largeOutputBytes", o.largeOutputBytes) ?? settings.largeOutputBytes;
  settings.delayedIoMaxMs = checkInteger("options.delayedIoMaxMs", o.delayedIoMaxMs, 0) ?? settings.delayedIoMaxMs;
  return settings;
}

function resolveProgress(value: unknown): ProgressOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(`options.progress must be a boolean or an object, got ${showValue(value)}`);
  }
  const p = value as Record<string, unknown>;
  if (p.force !== undefined && typeof p.force !== "boolean") {
    throw new InvalidOptionError(`options.progress.force must be a boolean, got ${showValue(p.force)}`);
  }
  if (p.stream !== undefined && typeof (p.stream as { write?: unknown })?.write !== "function") {
    throw new InvalidOptionError(`options.progress.stream must be a writable stream, got ${showValue(p.stream)}`);
  }
  positiveInteger("progress.intervalMs", p.intervalMs);
  return p as ProgressOptions;
}
