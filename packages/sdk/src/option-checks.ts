/**
 * The option checks every public boundary shares (`@task`/`@workflow` options, run options, the
 * gateway's configuration file, `dag-worker`'s options): one way to show a value in a message, one
 * unknown-key check, one integer check. Each caller says how it fails (which error class and
 * code, which prefix), so the messages read the same everywhere:
 * `options.concurrency must be a positive integer, got 0`.
 */
import { InvalidOptionError } from "./errors.js";

/** How a check reports a bad option: throws the caller's error with `message`. */
export type OptionFailure = (message: string) => never;

/** The default {@link OptionFailure}: an {@link InvalidOptionError} (`TL_INVALID_OPTION`). */
export const invalidOption: OptionFailure = (message) => {
  throw new InvalidOptionError(message);
};

const SHOWN_JSON_CHARS = 60;

/**
 * A value as an option message shows it: a string quoted, a number as written, a missing value as
 * `nothing`, a function as `a function`, a plain object or array as its JSON (cut after 60
 * characters), an instance of a class as `an instance of X`.
 */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== null && proto !== Object.prototype && proto !== Array.prototype) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" ? `an instance of ${name}` : "an object";
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // A cycle or a BigInt inside: say what it is instead.
  }
  if (json === undefined) return Array.isArray(value) ? "an array" : "an object";
  return json.length > SHOWN_JSON_CHARS ? `${json.slice(0, SHOWN_JSON_CHARS)}…` : json;
}

/**
 * Fails on the first own key of `options` that is not in `allowed`.
 * @param unknown - the message for the unknown key, given the key and the allowed keys joined by ", ".
 */
export function checkKeys(
  options: object,
  allowed: ReadonlySet<string>,
  unknown: (key: string, expected: string) => string,
  fail: OptionFailure = invalidOption,
): void {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) fail(unknown(key, [...allowed].join(", ")));
  }
}

/** Words for "an integer of at least `min`" in a message. */
function integerKind(min: number): string {
  if (min === 0) return "a non-negative integer";
  if (min === 1) return "a positive integer";
  return `an integer >= ${min}`;
}

/**
 * `value` when it is an integer of at least `min`; `undefined` when it is missing; else fails with
 * `<name> must be a positive integer, got <value>` (a non-negative integer for `min` 0, an
 * integer >= `min` otherwise).
 * @param name - the option as the user wrote it: `options.timeoutMs`, `configurations[0].threads`, `--concurrency`.
 * @param shown - what the message says it got (default {@link showValue}; a command line shows the text typed).
 */
export function checkInteger(name: string, value: unknown, min: number, fail: OptionFailure = invalidOption, shown = showValue(value)): number | undefined {
  if (value === undefined) return undefined;
  return requireInteger(name, value, min, fail, shown);
}

/** As {@link checkInteger}, for a value that must be given: a missing one fails too (`got nothing`). */
export function requireInteger(name: string, value: unknown, min: number, fail: OptionFailure = invalidOption, shown = showValue(value)): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) fail(`${name} must be ${integerKind(min)}, got ${shown}`);
  return value;
}

/** Parses a command-line integer (`--concurrency 4`): its number, `undefined` when not given; fails naming the text typed. */
export function checkIntegerText(name: string, text: string | undefined, min: number, fail: OptionFailure = invalidOption): number | undefined {
  if (text === undefined) return undefined;
  return checkInteger(name, text.trim() === "" ? Number.NaN : Number(text), min, fail, JSON.stringify(text));
}
