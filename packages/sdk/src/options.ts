import { InvalidOptionError } from "./errors.js";

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
}

/** Options of a `@workflow` method. */
export interface WorkflowOptions {
  /** Display name in logs and reports. Defaults to `Class.method`. */
  name?: string;
  /** Default run timeout in milliseconds; `run(input, { timeoutMs })` overrides it. */
  timeoutMs?: number;
}

const TASK_KEYS = new Set(["name", "retries", "retryDelayMs", "timeoutMs", "memoryMb"]);
const WORKFLOW_KEYS = new Set(["name", "timeoutMs"]);

function checkKeys(where: string, options: object, allowed: Set<string>): void {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      throw new InvalidOptionError(`${where}: unknown option "${key}"; expected one of ${[...allowed].join(", ")}`);
    }
  }
}

function checkName(where: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
    throw new InvalidOptionError(`${where}: options.name must be a non-empty string, got ${show(value)}`);
  }
}

function checkInteger(where: string, key: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    const kind = min === 0 ? "a non-negative integer" : "a positive integer";
    throw new InvalidOptionError(`${where}: options.${key} must be ${kind}, got ${show(value)}`);
  }
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function checkObject(where: string, options: unknown): asserts options is Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`${where}: options must be an object, got ${show(options)}`);
  }
}

/**
 * Validates `@task` options and returns a frozen copy.
 * @param where - names the decorated method in error messages, e.g. `@task on WordCount.count`.
 */
export function validateTaskOptions(where: string, options: unknown = {}): Readonly<TaskOptions> {
  checkObject(where, options);
  checkKeys(where, options, TASK_KEYS);
  checkName(where, options.name);
  checkInteger(where, "retries", options.retries, 0);
  checkInteger(where, "retryDelayMs", options.retryDelayMs, 0);
  checkInteger(where, "timeoutMs", options.timeoutMs, 1);
  checkInteger(where, "memoryMb", options.memoryMb, 1);
  if (typeof options.memoryMb === "number" && options.memoryMb < 16) {
    throw new InvalidOptionError(`${where}: options.memoryMb must be at least 16, got ${options.memoryMb}`);
  }
  return Object.freeze({ ...options }) as Readonly<TaskOptions>;
}

/** Validates `@workflow` options and returns a frozen copy. */
export function validateWorkflowOptions(where: string, options: unknown = {}): Readonly<WorkflowOptions> {
  checkObject(where, options);
  checkKeys(where, options, WORKFLOW_KEYS);
  checkName(where, options.name);
  checkInteger(where, "timeoutMs", options.timeoutMs, 1);
  return Object.freeze({ ...options }) as Readonly<WorkflowOptions>;
}
