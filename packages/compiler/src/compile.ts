import type { CompileOptions, CompileResult } from "./compile-result.js";
import { createCompilerSession } from "./compiler-session.js";
import { findSourcesOrThrow } from "./find-sources.js";

/**
 * Compiles the `@workflow`s of the modules that `patterns` (file names or globs) select: for each
 * module `X.ts`, writes `.taskloom/X.<hash>.mjs` (the task bundle), `.taskloom/X.manifest.json`
 * and the typed handles in `X.dag.ts`. Modules without a workflow are skipped; `*.dag.ts` and
 * `*.d.ts` files are never compiled. Source problems are returned as diagnostics, not thrown.
 *
 * @param patterns - file names or globs, relative to `options.cwd`.
 * @example
 * ```ts
 * const result = await compile(["examples/*\/*.ts"], { check: true });
 * if (result.failed) console.error(result.diagnostics);
 * ```
 * @throws CompilerUsageError when a pattern matches nothing to compile.
 */
export async function compile(patterns: readonly string[], options: CompileOptions = {}): Promise<CompileResult> {
  const started = performance.now();
  const files = await findSourcesOrThrow(patterns, options.cwd ?? process.cwd());
  const result = await createCompilerSession(options).compileFiles(files);
  return { ...result, ms: performance.now() - started };
}
