import { InvalidOptionError } from "./errors.js";
import { checkInteger, checkKeys, invalidOption, showValue, type OptionFailure } from "./option-checks.js";

/** Options of a `@task` method. */
export interface TaskOptions {
  /** Display name in logs, reports and the dashboard. Defaults to `Class.method`. */
  name?: string;
  /** How many times a failing call is retried before the run fails. Default 0. */
  retries?: number;
  /** First retry delay in milliseconds; doubles on every further attempt. Default 100. */
  retryDelayMs?: number;
  /** A call running longer than this many milliseconds fails with a timeout. Default: none. */
  timeoutMs?: number;
  /** Heap limit of the worker that runs this task, in MiB. Default: the runtime's default. */
  memoryMb?: number;
  /**
   * Remote runs: an output larger than this many bytes counts as large (task clustering and delayed
   * I/O keep it on its worker). Default: the run's `largeOutputBytes` (1 MiB).
   */
  largeOutputBytes?: number;
  /** Remote runs: switches this task's data-aware optimizations off (`false`) or on; see {@link OptimizationSwitches}. */
  optimizations?: OptimizationSwitches;
}

/**
 * The data-aware optimizations of remote runs, each on (`true`) or off (`false`). A switch given in
 * `run(input, { optimizations })` holds for every task of the run; otherwise a task's own switch
 * holds, else the default.
 */
export interface OptimizationSwitches {
  /** A task with a large output runs its ready dependents on its own worker (fan-out), and a ready fan-in runs where its largest input is. */
  clustering?: boolean;
  /** A large output whose dependents are not all ready stays on its worker until they are (up to `delayedIoMaxMs`). */
  delayedIo?: boolean;
  /** A task planned on a known worker has its inputs fetched by that worker as soon as each is stored. */
  preload?: boolean;
  /** The gateway starts the workers a plan needs shortly before it needs them. */
  prewarm?: boolean;
}

/** The names of {@link OptimizationSwitches}. */
export const OPTIMIZATION_NAMES = ["clustering", "delayedIo", "preload", "prewarm"] as const;

/** Options of a `@workflow` method. */
export interface WorkflowOptions {
  /** Display name in logs and reports. Defaults to `Class.method`. */
  name?: string;
  /** Default run timeout in milliseconds; `run(input, { timeoutMs })` overrides it. */
  timeoutMs?: number;
}

const TASK_KEYS = new Set(["name", "retries", "retryDelayMs", "timeoutMs", "memoryMb", "largeOutputBytes", "optimizations"]);
const WORKFLOW_KEYS = new Set(["name", "timeoutMs"]);

/** Fails with an {@link InvalidOptionError} whose message starts with `where`. */
function failAt(where: string): OptionFailure {
  return (message) => invalidOption(`${where}: ${message}`);
}

function checkName(where: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
    throw new InvalidOptionError(`${where}: options.name must be a non-empty string, got ${showValue(value)}`);
  }
}

function checkOptionKeys(where: string, options: object, allowed: Set<string>): void {
  checkKeys(options, allowed, (key, expected) => `unknown option "${key}"; expected one of ${expected}`, failAt(where));
}

function checkObject(where: string, options: unknown): asserts options is Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`${where}: options must be an object, got ${showValue(options)}`);
  }
}

/**
 * Validates `@task` options and returns a frozen copy.
 * @param where - names the decorated method in error messages, e.g. `@task on WordCount.count`.
 */
export function validateTaskOptions(where: string, options: unknown = {}): Readonly<TaskOptions> {
  checkObject(where, options);
  checkOptionKeys(where, options, TASK_KEYS);
  checkName(where, options.name);
  checkInteger("options.retries", options.retries, 0, failAt(where));
  checkInteger("options.retryDelayMs", options.retryDelayMs, 0, failAt(where));
  checkInteger("options.timeoutMs", options.timeoutMs, 1, failAt(where));
  checkInteger("options.memoryMb", options.memoryMb, 1, failAt(where));
  if (typeof options.memoryMb === "number" && options.memoryMb < 16) {
    throw new InvalidOptionError(`${where}: options.memoryMb must be at least 16, got ${options.memoryMb}`);
  }
  checkInteger("options.largeOutputBytes", options.largeOutputBytes, 1, failAt(where));
  if (options.optimizations !== undefined) validateOptimizationSwitches(`${where}: options.optimizations`, options.optimizations);
  const optimizations = options.optimizations === undefined ? {} : { optimizations: Object.freeze({ ...(options.optimizations as object) }) };
  return Object.freeze({ ...options, ...optimizations }) as Readonly<TaskOptions>;
}

/**
 * Validates a set of optimization switches (`@task({ optimizations })`, `run(input, { optimizations })`).
 * @param where - names the option in messages, e.g. `options.optimizations`.
 */
export function validateOptimizationSwitches(where: string, value: unknown): OptimizationSwitches {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(`${where} must be an object, got ${showValue(value)}`);
  }
  const names: readonly string[] = OPTIMIZATION_NAMES;
  for (const [key, v] of Object.entries(value)) {
    if (!names.includes(key)) throw new InvalidOptionError(`${where}: unknown optimization "${key}"; expected one of ${names.join(", ")}`);
    if (v !== undefined && typeof v !== "boolean") throw new InvalidOptionError(`${where}.${key} must be a boolean, got ${showValue(v)}`);
  }
  return value as OptimizationSwitches;
}

/** Validates `@workflow` options and returns a frozen copy. */
export function validateWorkflowOptions(where: string, options: unknown = {}): Readonly<WorkflowOptions> {
  checkObject(where, options);
  checkOptionKeys(where, options, WORKFLOW_KEYS);
  checkName(where, options.name);
  checkInteger("options.timeoutMs", options.timeoutMs, 1, failAt(where));
  return Object.freeze({ ...options }) as Readonly<WorkflowOptions>;
}
