import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { ModuleOutputs } from "./emit/emit-module.js";

/** Options of `compile()` and of a compiler session. */
export interface CompileOptions {
  /**
   * Project root: task ids, manifest paths and diagnostics are relative to it. Default: for each
   * file, the nearest directory above it with a package.json.
   */
  rootDir?: string;
  /** Compute and report everything but write nothing (the CLI's `--check`). Default false. */
  check?: boolean;
  /** Directory that relative patterns are resolved against. Default `process.cwd()`. */
  cwd?: string;
}

/**
 * What happened to one module:
 * - `emitted`: outputs written (or, with `check`, computed; see `changed`);
 * - `skipped`: no `@workflow` in it (see `note`);
 * - `failed`: diagnostics in the source, or an error while bundling or writing (see `error`).
 */
export type ModuleStatus = "emitted" | "skipped" | "failed";

/** The result of compiling one source module. */
export interface ModuleResult {
  /** Absolute path of the source module. */
  file: string;
  rootDir: string;
  /** The module relative to `rootDir` (as in the manifest). */
  source: string;
  status: ModuleStatus;
  /** Why the module was skipped, e.g. `no @workflow`. */
  note?: string;
  /** Names of the workflows (the generated handles). */
  workflows: string[];
  /** Nodes over all workflows, map bodies included. */
  nodes: number;
  manifestBytes: number;
  bytesPerNode: number;
  /** The task bundle (absent unless emitted). */
  bundle?: { file: string; hash: string; bytes: number };
  outputs?: ModuleOutputs;
  /** Outputs written, or with `check` outputs that differ from what is on disk. */
  changed: string[];
  diagnostics: Diagnostic[];
  /** A compiler failure (`code` and message), not a source problem. */
  error?: { code: string; message: string };
  /**
   * Absolute paths of the files this module's outputs depend on (the module, its task classes
   * and everything bundled with them); watch mode recompiles the module when one changes.
   */
  inputs: string[];
  /** Wall time spent on the module (analysis + emission), in milliseconds. */
  ms: number;
}

/** The result of `compile()`. */
export interface CompileResult {
  modules: ModuleResult[];
  /** Every module's diagnostics, in module order. */
  diagnostics: Diagnostic[];
  /** Whether any module failed (diagnostics or an error): the CLI exits with 1. */
  failed: boolean;
  /** Total wall time in milliseconds. */
  ms: number;
}
