import path from "node:path";
import type { Node, SourceFile } from "ts-morph";
import type { SourceLocation, TaskInfo } from "@taskloom/sdk/internal";
import { DIAGNOSTIC_CODES, type DiagnosticKind } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** A task a workflow calls, with the absolute path of the module that declares its class. */
export interface AnalyzedTask extends TaskInfo {
  /** Stable task id, `<source path relative to rootDir>#Class.method`. */
  id: string;
  /** Absolute path of the module declaring the task's class. */
  sourceFile: string;
}

/** An inline step's generated function: its source (an arrow function, TypeScript) and where its expression is. */
export interface InlineFunction {
  code: string;
  loc: SourceLocation;
}

/**
 * State shared by the analysis of one module: the project root, the diagnostics reported so far,
 * the tasks the workflows call and the inline steps' functions.
 */
export class AnalysisContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly tasks: Record<string, AnalyzedTask> = {};
  /** Generated functions of the workflows' inline steps, by id (`file#Class.workflow$n`). */
  readonly inline: Record<string, InlineFunction> = {};
  /** Files declaring the classes of the tasks in {@link tasks}. */
  readonly taskFiles = new Set<SourceFile>();
  private readonly seen = new Set<string>();
  private readonly lines = new Map<SourceFile, string[]>();

  constructor(readonly rootDir: string) {}

  /** Path of `file` relative to the root directory, with forward slashes. */
  relativePath(file: SourceFile | string): string {
    const abs = typeof file === "string" ? file : file.getFilePath();
    return path.relative(this.rootDir, abs).split(path.sep).join("/");
  }

  /** Records a task a workflow calls, and the file of its class. */
  addTask(task: AnalyzedTask, file: SourceFile): void {
    this.tasks[task.id] ??= task;
    this.taskFiles.add(file);
  }

  /** Records an inline step's function. */
  addInline(id: string, fn: InlineFunction): void {
    this.inline[id] = fn;
  }

  /** 1-based location of the start of `node`. */
  locationOf(node: Node): SourceLocation {
    const file = node.getSourceFile();
    const { line, column } = file.getLineAndColumnAtPos(node.getStart());
    return { file: this.relativePath(file), line, column };
  }

  /** Records a diagnostic at `node` (once per code and position). */
  report(node: Node, kind: DiagnosticKind, message: string, hint?: string): void {
    const info = DIAGNOSTIC_CODES[kind];
    const loc = this.locationOf(node);
    const key = `${info.code}@${loc.file}:${loc.line}:${loc.column}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const sourceLine = this.sourceLines(node.getSourceFile())[loc.line - 1] ?? "";
    const spanEnd = Math.min(node.getEnd() - node.getStart(), sourceLine.length - (loc.column - 1));
    this.diagnostics.push({
      code: info.code,
      message,
      file: loc.file,
      line: loc.line,
      column: loc.column,
      sourceLine,
      hint: hint ?? info.hint,
      length: Math.max(1, spanEnd),
    });
  }

  private sourceLines(file: SourceFile): string[] {
    let lines = this.lines.get(file);
    if (lines === undefined) {
      lines = file
        .getFullText()
        .split("\n")
        .map((l) => l.replace(/\r$/, ""));
      this.lines.set(file, lines);
    }
    return lines;
  }
}
