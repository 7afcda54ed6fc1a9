/**
 * Taskloom compiler: static DAG extraction for `@workflow` methods.
 *
 * @module
 * @example
 * ```ts
 * import { analyzeModule, formatDiagnostic } from "@taskloom/compiler";
 * ```
 */
export { analyzeModule } from "./analysis/analyze-module.js";
export type { AnalyzeModuleOptions, AnalyzedTask, ModuleAnalysis } from "./analysis/analyze-module.js";
export { formatDiagnostic, formatDiagnostics, sortDiagnostics } from "./diagnostics/diagnostic.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export { DIAGNOSTIC_CODES } from "./diagnostics/codes.js";
