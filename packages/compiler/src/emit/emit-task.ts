import type { TaskInfo } from "@taskloom/sdk/internal";

/**
 * What emission needs to know about one task: the IR's {@link TaskInfo} plus the absolute path
 * of the file whose export `exportName` is the task's class (the analysis' `AnalyzedTask`
 * satisfies it).
 */
export interface EmitTask extends TaskInfo {
  /** Absolute path of the source file that exports the class `exportName`. */
  sourceFile: string;
}

/** One class the task bundle re-exports: `export { exportName } from sourceFile`. */
export interface BundleExport {
  exportName: string;
  sourceFile: string;
}
