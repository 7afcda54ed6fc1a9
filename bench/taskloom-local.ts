import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const COMPILER_CLI = `${ROOT}packages/compiler/dist/cli/main.js`;

/** The modules whose workflows the benchmark runs through Taskloom. */
export const BENCH_MODULES = [
  "examples/tree-reduction/tree-reduction.ts",
  "bench/workflows/fanout.ts",
  "bench/workflows/chain.ts",
  "bench/workflows/bodies.ts",
  "bench/workflows/data-aware.ts",
  "bench/workflows/planned.ts",
  "examples/wordcount/wordcount.ts",
  "examples/gemm/gemm.ts",
] as const;

/** What the benchmark needs of a generated handle. */
export interface BenchHandle<I, O> {
  run(input: I, options?: { concurrency?: number; redis?: string }): Promise<O>;
}

/**
 * Runs `dag-compile` on {@link BENCH_MODULES}. Resolves to `undefined` on success, or to a short
 * reason (printed in the tables as `n/a (...)`) when the compiler is not built or fails.
 */
export async function compileBenchModules(): Promise<string | undefined> {
  if (!existsSync(COMPILER_CLI)) return "n/a (compiler not built)";
  try {
    await promisify(execFile)(process.execPath, [COMPILER_CLI, "--quiet", ...BENCH_MODULES], { cwd: ROOT });
    return undefined;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const detail = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || e.message;
    process.stderr.write(`dag-compile failed:\n${detail}\n`);
    return "n/a (dag-compile failed, see above)";
  }
}

/**
 * Imports the handle `name` of the generated module next to `source` (`x.ts` → `x.dag.ts`), or
 * returns why it is not available.
 */
export async function loadHandle<I, O>(source: string, name: string): Promise<BenchHandle<I, O> | string> {
  const generated = `${ROOT}${source.replace(/\.ts$/, ".dag.ts")}`;
  if (!existsSync(generated)) return `n/a (${source.replace(/\.ts$/, ".dag.ts")} not generated)`;
  try {
    const module = (await import(generated)) as Record<string, unknown>;
    const handle = module[name] as BenchHandle<I, O> | undefined;
    if (typeof handle?.run !== "function") return `n/a (no handle ${name} in the generated module)`;
    return handle;
  } catch (error) {
    return `n/a (runtime not available: ${(error as Error).message.split("\n")[0]})`;
  }
}
