/**
 * The one error hierarchy of Taskloom. `TaskloomError` is the base of every error the SDK, the
 * compiler and the runtime throw on purpose: a stable `code` (`TL_...`), the original failure as
 * `cause`, and a marker property that survives a thread or process boundary (an error record
 * carries it, and {@link isTaskloomError} recognises it where `instanceof` cannot: another realm,
 * another copy of the package, a revived record).
 */

/** Name of the marker property every {@link TaskloomError} carries (value `true`). */
export const TASKLOOM_ERROR_MARKER = "__taskloomError" as const;

/** Base of every Taskloom error: a stable `code`, a `cause`, and a boundary-proof marker. */
export class TaskloomError extends Error {
  /** Stable machine-readable code, e.g. `TL_INVALID_OPTION`; documented per subclass. */
  readonly code: string;
  readonly [TASKLOOM_ERROR_MARKER] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "TaskloomError";
  }
}

/**
 * Whether `value` is a Taskloom error (by its marker, so also across realms and for errors
 * revived from another thread or process), optionally with the given `code`.
 *
 * @example
 * ```ts
 * try { await wordcount.run(chunks); } catch (e) { if (isTaskloomError(e, "TL_RUN_TIMEOUT")) retryLater(); }
 * ```
 */
export function isTaskloomError(value: unknown, code?: string): value is TaskloomError {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<string, unknown>)[TASKLOOM_ERROR_MARKER] !== true) return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}

/** An option passed to `@task`, `@workflow` or another public entry point is invalid (`TL_INVALID_OPTION`). */
export class InvalidOptionError extends TaskloomError {
  constructor(message: string) {
    super("TL_INVALID_OPTION", message);
    this.name = "InvalidOptionError";
  }
}

/** A decorator was applied to something it cannot decorate, not a static method (`TL_DECORATOR_USAGE`). */
export class DecoratorUsageError extends TaskloomError {
  constructor(message: string) {
    super("TL_DECORATOR_USAGE", message);
    this.name = "DecoratorUsageError";
  }
}
