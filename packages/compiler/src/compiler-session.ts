import path from "node:path";
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget, type SourceFile } from "ts-morph";
import { AnalysisContext } from "./analysis/analysis-context.js";
import { analyzeModule, type ModuleAnalysis } from "./analysis/analyze-module.js";
import { findWorkflows } from "./analysis/find-decorated.js";
import { workflowSyntaxErrors } from "./analysis/syntax-errors.js";
import type { CompileOptions, CompileResult, ModuleResult } from "./compile-result.js";
import { emitModule } from "./emit/emit-module.js";
import { findProjectRoot } from "./project-root.js";

/**
 * A compiler that keeps one ts-morph Project across calls: files are parsed once, and only the
 * files reported as changed are re-read (watch mode).
 */
export interface CompilerSession {
  /**
   * Compiles the given source modules (absolute paths). Files listed in `changed` are first
   * re-read from disk if the Project already holds them.
   */
  compileFiles(files: readonly string[], changed?: readonly string[]): Promise<CompileResult>;
  /** Re-reads `file` from disk if the Project holds it (removes it when deleted). */
  refresh(file: string): void;
}

function errorInfo(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === "string" ? e.code : "TLC_INTERNAL",
    message: typeof e.message === "string" ? e.message : String(error),
  };
}

/**
 * Whether a module is a workflow module, or misuses the SDK's decorators (which the analysis must
 * report). Test files, scripts and helpers matched by a glob have neither, and are skipped
 * without checking their top-level code, which only matters in modules a worker loads.
 */
function needsAnalysis(file: SourceFile, rootDir: string): boolean {
  const probe = new AnalysisContext(rootDir);
  return findWorkflows(file, probe).length > 0 || probe.diagnostics.length > 0;
}

function baseResult(file: string, rootDir: string): ModuleResult {
  const source = path.relative(rootDir, file).split(path.sep).join("/");
  return {
    file,
    rootDir,
    source,
    status: "skipped",
    workflows: [],
    nodes: 0,
    manifestBytes: 0,
    bytesPerNode: 0,
    changed: [],
    diagnostics: [],
    inputs: [file],
    ms: 0,
  };
}

/**
 * Creates a compiler session (one ts-morph Project). `compile()` uses one per call; watch mode
 * keeps one for its whole life.
 *
 * @example
 * ```ts
 * const session = createCompilerSession({ check: false });
 * const first = await session.compileFiles(["/abs/wordcount.ts"]);
 * const again = await session.compileFiles(["/abs/wordcount.ts"], ["/abs/wordcount.ts"]);
 * ```
 */
export function createCompilerSession(options: CompileOptions = {}): CompilerSession {
  const project = new Project({
    compilerOptions: { module: ModuleKind.ESNext, moduleResolution: ModuleResolutionKind.Bundler, target: ScriptTarget.ES2022 },
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
  });
  const roots = new Map<string, string>();
  const rootOf = (file: string) => (options.rootDir !== undefined ? path.resolve(options.rootDir) : findProjectRoot(file, roots));

  function refresh(file: string): void {
    const sf = project.getSourceFile(file);
    if (sf) sf.refreshFromFileSystemSync();
  }

  function load(file: string): SourceFile {
    return project.getSourceFile(file) ?? project.addSourceFileAtPath(file);
  }

  async function compileOne(file: string): Promise<ModuleResult> {
    const started = performance.now();
    const rootDir = rootOf(file);
    const result = baseResult(file, rootDir);
    try {
      const sourceFile = load(file);
      // A module meant to hold workflows that does not parse is reported, never read from the parser's recovery.
      const syntax = workflowSyntaxErrors(sourceFile, rootDir);
      if (syntax.length > 0) {
        result.status = "failed";
        result.diagnostics = syntax;
        result.inputs = [file];
        result.ms = performance.now() - started;
        return result;
      }
      if (!needsAnalysis(sourceFile, rootDir)) {
        result.note = "no @workflow";
        result.ms = performance.now() - started;
        return result;
      }
      const analysis: ModuleAnalysis = analyzeModule(sourceFile, { rootDir });
      result.source = analysis.source;
      result.diagnostics = analysis.diagnostics;
      result.workflows = analysis.workflows.map((w) => w.name);
      result.inputs = [...new Set([file, ...Object.values(analysis.tasks).map((t) => t.sourceFile)])].sort();
      if (analysis.diagnostics.length > 0) {
        result.status = "failed";
      } else if (analysis.workflows.length === 0) {
        result.note = "no @workflow";
      } else {
        const emitted = await emitModule(
          { sourceFile: file, rootDir, source: analysis.source, workflows: analysis.workflows, tasks: analysis.tasks, inline: analysis.inline },
          { write: options.check !== true },
        );
        Object.assign(result, {
          status: "emitted",
          nodes: emitted.nodes,
          manifestBytes: emitted.manifestBytes,
          bytesPerNode: emitted.bytesPerNode,
          bundle: { file: emitted.outputs.bundle, hash: emitted.manifest.bundle.hash, bytes: emitted.manifest.bundle.bytes },
          outputs: emitted.outputs,
          changed: emitted.changed,
          inputs: [...new Set([...result.inputs, ...emitted.inputs])].sort(),
        });
      }
    } catch (error) {
      result.status = "failed";
      result.error = errorInfo(error);
    }
    result.ms = performance.now() - started;
    return result;
  }

  return {
    refresh,
    async compileFiles(files, changed = []) {
      const started = performance.now();
      for (const file of changed) refresh(path.resolve(file));
      // Analysis is synchronous; bundles build concurrently in esbuild's own process.
      const modules = await Promise.all(files.map((f) => compileOne(path.resolve(f))));
      const diagnostics = modules.flatMap((m) => m.diagnostics);
      return { modules, diagnostics, failed: modules.some((m) => m.status === "failed"), ms: performance.now() - started };
    },
  };
}
