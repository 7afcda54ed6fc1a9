import { stat } from "node:fs/promises";
import path from "node:path";
import fg from "fast-glob";
import { CompilerUsageError } from "./errors.js";

/** The source files a list of patterns selects. */
export interface FoundSources {
  /** Absolute paths of the TypeScript modules to compile, sorted, without duplicates. */
  files: string[];
  /** Patterns that matched nothing at all. */
  unmatched: string[];
  /** Patterns that matched only files dag-compile never compiles (`*.dag.ts`, `*.d.ts`, non-TS). */
  onlySkipped: string[];
}

const TS_SOURCE = /\.[mc]?tsx?$/;

/** Whether dag-compile compiles `file`: a TypeScript module that is neither generated nor a declaration. */
export function isCompilableSource(file: string): boolean {
  return TS_SOURCE.test(file) && !/\.dag\.[mc]?tsx?$/.test(file) && !/\.d\.[mc]?tsx?$/.test(file) && !/\.d\.[^.]+\.ts$/.test(file);
}

/**
 * Expands file names and globs (relative to `cwd`) into the modules to compile. `node_modules`
 * and `.taskloom` directories are never searched; `*.dag.ts` and `*.d.ts` files are skipped.
 *
 * @example
 * ```ts
 * await findSources(["examples/*\/*.ts"], process.cwd()); // { files: [".../wordcount.ts", ...], unmatched: [] }
 * ```
 */
export async function findSources(patterns: readonly string[], cwd: string): Promise<FoundSources> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  const onlySkipped: string[] = [];
  for (const pattern of patterns) {
    // A name of an existing file is taken as is, even when it contains glob characters.
    const literal = path.resolve(cwd, pattern);
    const isFile = await stat(literal).then(
      (s) => s.isFile(),
      () => false,
    );
    const matches = isFile
      ? [literal]
      : await fg(pattern, {
          cwd,
          absolute: true,
          onlyFiles: true,
          dot: false,
          ignore: ["**/node_modules/**", "**/.taskloom/**"],
        });
    if (matches.length === 0) {
      unmatched.push(pattern);
      continue;
    }
    const kept = matches.map((m) => path.resolve(m)).filter(isCompilableSource);
    if (kept.length === 0) onlySkipped.push(pattern);
    for (const file of kept) files.add(file);
  }
  return { files: [...files].sort(), unmatched, onlySkipped };
}

/**
 * {@link findSources}, throwing when a pattern selects nothing to compile.
 * @throws CompilerUsageError naming each pattern that matched nothing (the CLI exits with 2).
 */
export async function findSourcesOrThrow(patterns: readonly string[], cwd: string): Promise<string[]> {
  if (patterns.length === 0) throw new CompilerUsageError("no input files: pass file names or globs");
  const found = await findSources(patterns, cwd);
  const problems = [
    ...found.unmatched.map((p) => `pattern ${JSON.stringify(p)} matched no file`),
    ...found.onlySkipped.map((p) => `pattern ${JSON.stringify(p)} matched only generated or non-TypeScript files (*.dag.ts, *.d.ts)`),
  ];
  if (problems.length > 0) throw new CompilerUsageError(`${problems.join("; ")} (in ${cwd})`);
  return found.files;
}
