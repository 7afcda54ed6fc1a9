import { parseArgs } from "node:util";
import { CompilerUsageError } from "../errors.js";

/** The parsed command line of `dag-compile`. */
export interface CliArgs {
  patterns: string[];
  check: boolean;
  watch: boolean;
  quiet: boolean;
  help: boolean;
  root?: string;
}

/** The text of `dag-compile --help`. */
export const USAGE = `Usage: dag-compile <files or globs...> [--check] [--watch] [--root <dir>] [--quiet]

Compiles the @workflow methods of each TypeScript module X.ts into:
  X.dag.ts                      typed handles, one per workflow: import { wf } from "./X.dag.js"
  .taskloom/X.<hash>.mjs        the task bundle (npm dependencies inside)
  .taskloom/X.manifest.json     the workflow graphs (no code)
Files named *.dag.ts or *.d.ts are never compiled; modules without a @workflow are skipped.

Options:
  --check        report what would change, write nothing
  --watch        stay running and recompile the modules whose files change
  --root <dir>   project root for task ids and paths (default: nearest package.json)
  --quiet        print only diagnostics and errors
  -h, --help     show this help

Exit codes: 0 ok, 1 diagnostics or compile errors, 2 usage errors.`;

function parseCliOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      check: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      root: { type: "string" },
    },
  });
}

/**
 * Parses `dag-compile`'s arguments (without `node` and the script).
 * @throws CompilerUsageError on an unknown flag, a missing value or no input pattern.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parseCliOptions>;
  try {
    parsed = parseCliOptions(argv);
  } catch (error) {
    throw new CompilerUsageError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  const args: CliArgs = {
    patterns: positionals,
    check: values.check === true,
    watch: values.watch === true,
    quiet: values.quiet === true,
    help: values.help === true,
  };
  if (values.root !== undefined) {
    if (values.root === "") throw new CompilerUsageError('--root must name a directory, got ""');
    args.root = values.root;
  }
  if (!args.help && args.patterns.length === 0) throw new CompilerUsageError("no input files: pass file names or globs");
  if (args.check && args.watch) throw new CompilerUsageError("--check and --watch cannot be combined");
  return args;
}
