import path from "node:path";
import type { SourceFile } from "ts-morph";
import type { WorkflowIR } from "@taskloom/sdk/internal";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { AnalysisContext, type AnalyzedTask, type InlineFunction } from "./analysis-context.js";
import { analyzeWorkflow } from "./analyze-workflow.js";
import { checkTopLevel } from "./check-top-level.js";
import { findWorkflows } from "./find-decorated.js";
import { workflowSyntaxErrors } from "./syntax-errors.js";

export type { AnalyzedTask, InlineFunction } from "./analysis-context.js";

/** The graph IR of every `@workflow` of one module, the tasks they call and the diagnostics. */
export interface ModuleAnalysis {
  /** The module's path relative to `rootDir`, with forward slashes. */
  source: string;
  /** One IR per `@workflow`, in source order; empty when there are diagnostics. */
  workflows: WorkflowIR[];
  /** Every task the workflows call, by task id (`<file>#Class.method`); empty when there are diagnostics. */
  tasks: Record<string, AnalyzedTask>;
  /** The generated functions of the workflows' inline steps, by id; empty when there are diagnostics. */
  inline: Record<string, InlineFunction>;
  /** Errors, sorted by position; when non-empty the module must not be emitted. */
  diagnostics: Diagnostic[];
}

/** Options of {@link analyzeModule}. */
export interface AnalyzeModuleOptions {
  /** The project root: task ids and diagnostic paths are relative to it. */
  rootDir: string;
}

/**
 * Reads a TypeScript module syntactically (no type checker) and returns the graph IR of each of
 * its `@workflow` methods, the tasks they call (following imports to the classes' source files)
 * and every diagnostic of the module at once. It never writes files.
 *
 * @param file - a ts-morph source file; its project should use `module: ESNext, moduleResolution: Bundler`.
 * @example
 * ```ts
 * const project = new Project({ compilerOptions: { module: ModuleKind.ESNext, moduleResolution: ModuleResolutionKind.Bundler } });
 * const analysis = analyzeModule(project.addSourceFileAtPath("src/wordcount.ts"), { rootDir: process.cwd() });
 * if (analysis.diagnostics.length > 0) console.error(analysis.diagnostics.map(formatDiagnostic).join("\n\n"));
 * ```
 */
export function analyzeModule(file: SourceFile, options: AnalyzeModuleOptions): ModuleAnalysis {
  const ctx = new AnalysisContext(path.resolve(options.rootDir));
  const syntax = workflowSyntaxErrors(file, options.rootDir);
  if (syntax.length > 0) return { source: ctx.relativePath(file), workflows: [], tasks: {}, inline: {}, diagnostics: syntax };
  checkTopLevel(file, ctx);
  const workflows: WorkflowIR[] = [];
  for (const method of findWorkflows(file, ctx)) {
    const ir = analyzeWorkflow(method, ctx);
    if (ir !== null) workflows.push(ir);
  }
  for (const taskFile of ctx.taskFiles) {
    if (taskFile !== file) checkTopLevel(taskFile, ctx);
  }
  const diagnostics = sortDiagnostics(ctx.diagnostics);
  const ok = diagnostics.length === 0;
  return { source: ctx.relativePath(file), workflows: ok ? workflows : [], tasks: ok ? ctx.tasks : {}, inline: ok ? ctx.inline : {}, diagnostics };
}
