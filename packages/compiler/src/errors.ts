/**
 * Errors thrown by `@taskloom/compiler`. Source problems in a workflow are reported as
 * diagnostics, not thrown; these errors mean the compiler itself could not do its job
 * (bad options, a bundle that fails to build, an output it cannot write).
 *
 * Every error carries a stable `code` and keeps the original failure as `cause`, so tools can
 * recognise it without `instanceof` (the CLI prints `code: message`). The base extends the
 * SDK's `TaskloomError`, so one `catch` with a `code` check covers both packages.
 */
import { TaskloomError } from "@taskloom/sdk";

/** Base of the compiler's errors: a stable `code` and the original failure as `cause`. */
export class CompilerError extends TaskloomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "CompilerError";
  }
}

/** An option of `compile()` or a CLI argument is invalid (the CLI exits with code 2). */
export class CompilerUsageError extends CompilerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TLC_USAGE", message, options);
    this.name = "CompilerUsageError";
  }
}

/** esbuild could not bundle a module's tasks (a missing dependency, a syntax error, ...). */
export class BundleError extends CompilerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TLC_BUNDLE", message, options);
    this.name = "BundleError";
  }
}

/** The IR cannot be emitted as is (e.g. two workflows would get the same handle name). */
export class EmitError extends CompilerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TLC_EMIT", message, options);
    this.name = "EmitError";
  }
}
