/**
 * Taskloom compiler: turns `@workflow` methods into graph IR, task bundles and typed handles.
 * Most users run the `dag-compile` CLI; tools call {@link compile}, or {@link analyzeModule} for
 * the IR of one ts-morph source file.
 *
 * @module
 * @example
 * ```ts
 * import { compile, formatDiagnostic } from "@taskloom/compiler";
 *
 * const result = await compile(["examples/wordcount/wordcount.ts"], { check: true });
 * for (const m of result.modules) console.log(m.source, m.status, m.nodes, m.bytesPerNode);
 * console.error(result.diagnostics.map(formatDiagnostic).join("\n\n"));
 * ```
 */
export { compile } from "./compile.js";
export type { CompileOptions, CompileResult, ModuleResult, ModuleStatus } from "./compile-result.js";
export { createCompilerSession, type CompilerSession } from "./compiler-session.js";
export { findSources, isCompilableSource, type FoundSources } from "./find-sources.js";
export { findProjectRoot } from "./project-root.js";
export type { ModuleOutputs } from "./emit/emit-module.js";
export { BundleError, CompilerError, CompilerUsageError, EmitError } from "./errors.js";
export { analyzeModule } from "./analysis/analyze-module.js";
export type { AnalyzeModuleOptions, AnalyzedTask, ModuleAnalysis } from "./analysis/analyze-module.js";
export { formatDiagnostic, formatDiagnostics, sortDiagnostics } from "./diagnostics/diagnostic.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export { DIAGNOSTIC_CODES } from "./diagnostics/codes.js";
