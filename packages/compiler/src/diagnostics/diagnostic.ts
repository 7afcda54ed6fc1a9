/**
 * Compiler diagnostics: plain data produced by the analysis, and their text form.
 */

/** One compile error in the user's source. */
export interface Diagnostic {
  /** Stable code, e.g. `TL1001` (see `DIAGNOSTIC_CODES`). */
  code: string;
  message: string;
  /** File path relative to the project root, forward slashes. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** The text of the source line (without its line break). */
  sourceLine: string;
  /** How to fix it. */
  hint?: string;
  /** Length of the span on `sourceLine` to underline (at least 1). */
  length?: number;
}

/**
 * Formats a diagnostic like the TypeScript compiler does, with the source line, a caret under the
 * span and the hint.
 *
 * @example
 * ```text
 * input.ts:7:12 - error TL1001: call to parseInt, which is not a @task
 *   const n = parseInt(input);
 *             ^^^^^^^^^^^^^^^
 *   hint: move this computation into a @task
 * ```
 */
export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.sourceLine.slice(0, Math.max(0, d.column - 1)).replace(/[^\t]/g, " ");
  const room = Math.max(1, d.sourceLine.length - (d.column - 1));
  const caret = "^".repeat(Math.max(1, Math.min(d.length ?? 1, room)));
  const lines = [`${d.file}:${d.line}:${d.column} - error ${d.code}: ${d.message}`, `  ${d.sourceLine}`, `  ${prefix}${caret}`];
  if (d.hint !== undefined) lines.push(`  hint: ${d.hint}`);
  return lines.join("\n");
}

/** Formats several diagnostics, separated by blank lines, sorted by file, line and column. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return sortDiagnostics(diagnostics).map(formatDiagnostic).join("\n\n");
}

/** Returns a copy sorted by file, line, column and code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}
