import path from "node:path";
import { ts, type SourceFile } from "ts-morph";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { DIAGNOSTIC_CODES } from "../diagnostics/codes.js";

/**
 * The module's syntax errors as diagnostics (`TL1033`), from TypeScript's parser (no type
 * checker): a module that does not parse is reported as such, never analysed from the parser's
 * recovered tree (a cut-off workflow would otherwise be read as no workflow at all, or as part
 * of one) nor handed to the bundler.
 */
export function workflowSyntaxErrors(file: SourceFile, rootDir: string): Diagnostic[] {
  // Only modules meant to hold workflows: a helper that does not parse is the bundler's (or tsc's) to report.
  if (!file.getFullText().includes("@workflow")) return [];
  const node = file.compilerNode as ts.SourceFile & { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] };
  const found = node.parseDiagnostics ?? file.getProject().getProgram().compilerObject.getSyntacticDiagnostics(node);
  const relative = path.relative(rootDir, file.getFilePath()).split(path.sep).join("/");
  const lines = file.getFullText().split(/\r?\n/);
  return found.map((d) => {
    const { line, character } = node.getLineAndCharacterOfPosition(d.start ?? 0);
    const sourceLine = lines[line] ?? "";
    return {
      code: DIAGNOSTIC_CODES.syntaxError.code,
      message: `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`,
      file: relative,
      line: line + 1,
      column: character + 1,
      sourceLine,
      hint: DIAGNOSTIC_CODES.syntaxError.hint,
      length: Math.max(1, Math.min(d.length ?? 1, sourceLine.length - character)),
    };
  });
}
