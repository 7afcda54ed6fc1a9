/**
 * Errors thrown by the SDK. Every error carries a stable `code` so that tools can recognise it
 * across thread and process boundaries without relying on `instanceof`.
 */
export class TaskloomError extends Error {
  /** Stable machine-readable code, e.g. `TL_SDK_OPTIONS`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "TaskloomError";
  }
}

/** An option passed to `@task`, `@workflow` or another public entry point is invalid. */
export class InvalidOptionError extends TaskloomError {
  constructor(message: string) {
    super("TL_INVALID_OPTION", message);
    this.name = "InvalidOptionError";
  }
}

/** A decorator was applied to something it cannot decorate (not a static method). */
export class DecoratorUsageError extends TaskloomError {
  constructor(message: string) {
    super("TL_DECORATOR_USAGE", message);
    this.name = "DecoratorUsageError";
  }
}
