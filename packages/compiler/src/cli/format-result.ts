import path from "node:path";
import type { CompileResult, ModuleResult } from "../compile-result.js";
import { formatDiagnostics } from "../diagnostics/diagnostic.js";

/** Formats a byte count: `512 B`, `1.2 kB`, `3.4 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `file` relative to `cwd` with forward slashes (absolute when outside `cwd`). */
function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel === "" || rel.startsWith("..") ? file : rel.split(path.sep).join("/");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * One line per module, e.g.
 * `wordcount/wordcount.ts: 1 workflow (wordcount), 4 nodes, manifest 1.3 kB (330 B/node), bundle 55.9 kB #3f9a1c2b, 41 ms, wrote 3 files`.
 */
export function formatModuleLine(m: ModuleResult, cwd: string, check: boolean): string {
  const name = displayPath(m.file, cwd);
  const ms = `${Math.round(m.ms)} ms`;
  if (m.status === "skipped") return `${name}: skipped (${m.note ?? "nothing to compile"})`;
  if (m.status === "failed") {
    const why = m.error ? `${m.error.code}` : plural(m.diagnostics.length, "diagnostic");
    return `${name}: failed (${why}), ${ms}`;
  }
  const parts = [
    `${plural(m.workflows.length, "workflow")} (${m.workflows.join(", ")})`,
    plural(m.nodes, "node"),
    `manifest ${formatBytes(m.manifestBytes)} (${Math.round(m.bytesPerNode)} B/node)`,
    `bundle ${formatBytes(m.bundle?.bytes ?? 0)} #${m.bundle?.hash.slice(0, 8) ?? ""}`,
    ms,
  ];
  const n = m.changed.length;
  parts.push(n === 0 ? "up to date" : check ? `would write ${plural(n, "file")}` : `wrote ${plural(n, "file")}`);
  return `${name}: ${parts.join(", ")}`;
}

/** The CLI's report of a compile, split by destination. */
export interface CompileReport {
  /** One line per module (empty when quiet), for stdout. */
  summary: string;
  /** Compile errors, then diagnostics with `file:line:col`, the source line and a hint, for stderr. */
  problems: string;
}

/** Formats a compile result for the terminal; file names are shown relative to `cwd`. */
export function formatCompileResult(result: CompileResult, options: { cwd: string; check: boolean; quiet: boolean }): CompileReport {
  const summary = options.quiet ? [] : result.modules.map((m) => formatModuleLine(m, options.cwd, options.check));
  const problems: string[] = [];
  for (const m of result.modules) {
    if (m.error) problems.push(`${displayPath(m.file, options.cwd)}: error ${m.error.code}: ${m.error.message}`);
  }
  // Diagnostics name files relative to the project root; print them relative to the current
  // directory so that terminals and editors can open them.
  const shown = result.modules.flatMap((m) => m.diagnostics.map((d) => ({ ...d, file: displayPath(path.resolve(m.rootDir, d.file), options.cwd) })));
  if (shown.length > 0) {
    if (problems.length > 0) problems.push("");
    problems.push(formatDiagnostics(shown), "", `${plural(shown.length, "diagnostic")}.`);
  }
  return { summary: summary.join("\n"), problems: problems.join("\n") };
}
