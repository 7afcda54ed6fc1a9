#!/usr/bin/env node
/**
 * `dag-compile <files or globs...> [--check] [--watch] [--root <dir>] [--quiet]`: compiles the
 * `@workflow`s of TypeScript modules into typed `X.dag.ts` handles, manifests and task bundles.
 * Exit codes: 0 ok, 1 diagnostics or compile errors, 2 usage errors.
 */
import path from "node:path";
import type { CompileResult } from "../compile-result.js";
import { formatCompileResult } from "./format-result.js";
import { parseCliArgs, USAGE, type CliArgs } from "./parse-args.js";

function isUsageError(error: unknown): boolean {
  return (error as { code?: unknown }).code === "TLC_USAGE";
}

function print(result: CompileResult, args: CliArgs, cwd: string): void {
  const report = formatCompileResult(result, { cwd, check: args.check, quiet: args.quiet });
  if (report.summary !== "") process.stdout.write(`${report.summary}\n`);
  if (report.problems !== "") process.stderr.write(`${report.problems}\n`);
}

async function watchUntilSignal(args: CliArgs, cwd: string): Promise<number> {
  // Loaded here, not at the top: ts-morph takes ~0.7 s to load, and --help or a usage error need none of it.
  const { watchSources } = await import("./watch-sources.js");
  const controller = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => controller.abort());
  await watchSources({
    patterns: args.patterns,
    cwd,
    ...(args.root !== undefined ? { rootDir: path.resolve(cwd, args.root) } : {}),
    signal: controller.signal,
    onResult: (result) => {
      print(result, args, cwd);
      if (!args.quiet) process.stdout.write(`watching ${args.patterns.join(" ")} for changes...\n`);
    },
    onError: (error) => process.stderr.write(`dag-compile: ${(error as Error).message}\n`),
  });
  return 0;
}

/**
 * Runs `dag-compile` with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(["examples/*\/*.ts", "--check"]);
 * ```
 */
export async function main(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`dag-compile: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    if (args.watch) return await watchUntilSignal(args, cwd);
    const { compile } = await import("../compile.js");
    const result = await compile(args.patterns, {
      cwd,
      check: args.check,
      ...(args.root !== undefined ? { rootDir: path.resolve(cwd, args.root) } : {}),
    });
    print(result, args, cwd);
    return result.failed ? 1 : 0;
  } catch (error) {
    process.stderr.write(`dag-compile: ${(error as Error).message}\n`);
    return isUsageError(error) ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
