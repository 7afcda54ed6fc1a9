import { requireInteger, showValue } from "@taskloom/sdk/internal";
import { OPTIMIZATION_NAMES, type OptimizationSwitches, type TaskOptions } from "@taskloom/sdk";

/** One of the data-aware optimizations of remote runs. */
export type OptimizationName = (typeof OPTIMIZATION_NAMES)[number];

/**
 * A run's optimization settings as they travel to its workers (JSON in the run's metadata): the
 * switches the run set explicitly, the large-output threshold and the longest delay of an output.
 */
export interface OptimizationSettings {
  /** Switches given by `run(input, { optimizations })`; a task's own switch holds where the run set none. */
  switches: OptimizationSwitches;
  /** An output larger than this (bytes, estimated) is large. Default 1 MiB; a task's `largeOutputBytes` overrides it. */
  largeOutputBytes: number;
  /** Delayed I/O keeps a large output at most this long before storing it (ms). Default 1000. */
  delayedIoMaxMs: number;
}

/**
 * Defaults of the switches, chosen from `npm run bench -- --only optimizations` (README,
 * "Data-aware execution"): each one measured on and off in the same run.
 */
export const DEFAULT_SWITCHES: Readonly<Required<OptimizationSwitches>> = Object.freeze({
  clustering: true,
  delayedIo: true,
  preload: true,
  prewarm: true,
});

export const DEFAULT_LARGE_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_DELAYED_IO_MAX_MS = 1000;

/** The settings of a run that sets nothing. */
export function defaultOptimizationSettings(): OptimizationSettings {
  return { switches: {}, largeOutputBytes: DEFAULT_LARGE_OUTPUT_BYTES, delayedIoMaxMs: DEFAULT_DELAYED_IO_MAX_MS };
}

/**
 * Whether optimization `name` is on for a task with `options`: the run's explicit switch when it
 * set one, else the task's own, else the default.
 *
 * @example
 * ```ts
 * isOn({ ...defaultOptimizationSettings(), switches: { clustering: false } }, { optimizations: { clustering: true } }, "clustering"); // false
 * ```
 */
export function isOn(settings: OptimizationSettings, options: Readonly<TaskOptions>, name: OptimizationName): boolean {
  return settings.switches[name] ?? options.optimizations?.[name] ?? DEFAULT_SWITCHES[name];
}

/** The large-output threshold of a task: its own `largeOutputBytes`, else the run's. */
export function largeOutputBytesOf(settings: OptimizationSettings, options: Readonly<TaskOptions>): number {
  return options.largeOutputBytes ?? settings.largeOutputBytes;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Validates settings read from the store; the message names the field and the value. */
export function checkOptimizationSettings(value: unknown): OptimizationSettings {
  const s = value as Partial<OptimizationSettings> | null;
  if (typeof s !== "object" || s === null) fail(`optimizations must be an object, got ${showValue(value)}`);
  for (const field of ["largeOutputBytes", "delayedIoMaxMs"] as const) requireInteger(`optimizations.${field}`, s[field], 0, fail);
  const switches = s.switches ?? {};
  for (const [k, v] of Object.entries(switches)) {
    if (!(OPTIMIZATION_NAMES as readonly string[]).includes(k) || typeof v !== "boolean") {
      throw new Error(`optimizations.switches.${k} must be one of ${OPTIMIZATION_NAMES.join(", ")} with a boolean, got ${showValue(v)}`);
    }
  }
  return { switches, largeOutputBytes: s.largeOutputBytes as number, delayedIoMaxMs: s.delayedIoMaxMs as number };
}
