import type { SourceLocation, TaskInfo } from "@taskloom/sdk/internal";

/**
 * What emission needs to know about one task: the IR's {@link TaskInfo} plus the absolute path
 * of the file whose export `exportName` is the task's class (the analysis' `AnalyzedTask`
 * satisfies it).
 */
export interface EmitTask extends TaskInfo {
  /** Absolute path of the source file that exports the class `exportName`. */
  sourceFile: string;
}

/** An inline step's generated function: an arrow function's TypeScript source, and where its expression is. */
export interface EmitInline {
  code: string;
  loc: SourceLocation;
}

/** One class the task bundle re-exports: `export { exportName } from sourceFile`. */
export interface BundleExport {
  exportName: string;
  sourceFile: string;
}
