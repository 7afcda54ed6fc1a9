import { createHash } from "node:crypto";
import path from "node:path";
import { build, type Message } from "esbuild";
import { BundleError } from "../errors.js";
import { INLINE_EXPORT } from "@taskloom/sdk/internal";
import type { BundleExport, EmitInline, EmitTask } from "./emit-task.js";

/** Options of {@link bundleTasks}. */
export interface BundleTasksOptions {
  /** The module's tasks by id; the bundle re-exports every class they live on. */
  tasks: Record<string, EmitTask>;
  /** The inline steps' generated functions, exported as {@link INLINE_EXPORT} (sorted by id). */
  inline?: Record<string, EmitInline> | undefined;
  /**
   * Directory that paths in the bundle's comments are relative to (the project root), so that
   * the bytes and the hash do not depend on the current directory.
   */
  rootDir: string;
}

/** A task bundle built in memory: an ES module exporting the classes whose tasks a module calls. */
export interface TaskBundle {
  /** The bundle's bytes (UTF-8 JavaScript). */
  code: Uint8Array;
  /** First 16 hex digits of the SHA-256 of `code`. */
  hash: string;
  /** `code.byteLength`. */
  bytes: number;
  /** The classes it exports, sorted by export name. */
  exports: BundleExport[];
  /**
   * Absolute paths of the project files bundled (not those under node_modules), sorted: a change
   * to any of them changes the bundle (watch mode recompiles on them).
   */
  inputs: string[];
}

const ENTRY_NAME = "taskloom-entry.ts";

// Bundled CommonJS dependencies may `require()` node builtins, which an ES module cannot do
// without a `require` of its own.
const BANNER = 'import { createRequire as __taskloomCreateRequire } from "node:module";\n' + "const require = __taskloomCreateRequire(import.meta.url);";

/**
 * Lists the classes a task bundle must export, one per export name, sorted.
 * @throws BundleError when two different files would export a class under one name.
 */
export function bundleExports(tasks: Record<string, EmitTask>): BundleExport[] {
  const byName = new Map<string, BundleExport>();
  for (const [id, t] of Object.entries(tasks)) {
    const seen = byName.get(t.exportName);
    if (seen && seen.sourceFile !== t.sourceFile) {
      throw new BundleError(
        `task ${id}: class ${t.exportName} is exported by both ${seen.sourceFile} and ${t.sourceFile}; ` +
          `a module's tasks must come from classes with distinct names`,
      );
    }
    byName.set(t.exportName, { exportName: t.exportName, sourceFile: t.sourceFile });
  }
  return [...byName.values()].sort((a, b) => (a.exportName < b.exportName ? -1 : a.exportName > b.exportName ? 1 : 0));
}

/** The entry module (esbuild stdin) that re-exports the classes, with paths relative to `dir`. */
export function bundleEntrySource(exports: BundleExport[], dir: string): string {
  return exports
    .map((e) => {
      let spec = path.relative(dir, e.sourceFile).split(path.sep).join("/");
      if (!spec.startsWith(".")) spec = `./${spec}`;
      return `export { ${e.exportName} } from ${JSON.stringify(spec)};\n`;
    })
    .join("");
}

/**
 * The inline steps' functions as an export of the entry: `{ "<id>": { loc: "file:line:col", run: <arrow> } }`.
 * Each function is the user's expression with its inputs as parameters (TypeScript: esbuild strips the types).
 */
export function inlineExportSource(inline: Record<string, EmitInline>): string {
  const ids = Object.keys(inline).sort();
  if (ids.length === 0) return "";
  const entries = ids.map((id) => {
    const { code, loc } = inline[id]!;
    return `  ${JSON.stringify(id)}: { loc: ${JSON.stringify(`${loc.file}:${loc.line}:${loc.column}`)}, run: ${code} },\n`;
  });
  return `export const ${INLINE_EXPORT} = {\n${entries.join("")}};\n`;
}

function formatMessages(messages: Message[]): string {
  return messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text)).join("\n");
}

/**
 * Bundles a module's task classes with esbuild: one ES module for Node 20 with every npm
 * dependency inside (node builtins stay external) and TC39 decorators lowered, so that a worker
 * can `import()` it without installing anything.
 *
 * @example
 * ```ts
 * const bundle = await bundleTasks({ tasks: analysis.tasks, rootDir });
 * bundle.hash; // "3f9a1c2b7d0e4a55"
 * ```
 * @throws BundleError when esbuild reports an error (the message lists esbuild's errors).
 */
export async function bundleTasks(options: BundleTasksOptions): Promise<TaskBundle> {
  const exports = bundleExports(options.tasks);
  const entryDir = exports[0] ? path.dirname(exports[0].sourceFile) : options.rootDir;
  let code: Uint8Array;
  let inputs: string[];
  try {
    const result = await build({
      stdin: {
        contents: bundleEntrySource(exports, entryDir) + inlineExportSource(options.inline ?? {}),
        resolveDir: entryDir,
        loader: "ts",
        sourcefile: ENTRY_NAME,
      },
      absWorkingDir: options.rootDir,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      keepNames: true,
      banner: { js: BANNER },
      write: false,
      logLevel: "silent",
      metafile: true,
    });
    const out = result.outputFiles[0];
    if (!out) throw new BundleError("esbuild produced no output file");
    code = out.contents;
    inputs = Object.keys(result.metafile.inputs)
      .filter((f) => f !== ENTRY_NAME && !f.includes("node_modules/"))
      .map((f) => path.resolve(options.rootDir, f))
      .sort();
  } catch (error) {
    if (error instanceof BundleError) throw error;
    const errors = (error as { errors?: Message[] }).errors;
    const detail = errors ? formatMessages(errors) : String(error);
    throw new BundleError(`cannot bundle the tasks of ${exports.map((e) => e.sourceFile).join(", ")}:\n${detail}`, {
      cause: error,
    });
  }
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  return { code, hash, bytes: code.byteLength, exports, inputs };
}
