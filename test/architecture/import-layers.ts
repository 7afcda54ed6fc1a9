/**
 * The import-layer check: which folder of which package may import which. Read by
 * `npm run lint` (check-layers.ts) and by the test beside it, so CI fails on an upward import or
 * a cycle between folders.
 *
 * Runtime folders are named by where their code runs. A folder may import only the folders listed
 * for it (and itself); the root file `index.ts` may import anything.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** Allowed imports per runtime folder (first path segment under `packages/runtime/src`). */
export const RUNTIME_LAYERS: Record<string, readonly string[]> = {
  "errors.ts": [],
  protocol: ["errors.ts"],
  codec: ["errors.ts"],
  scheduling: ["errors.ts", "codec"],
  planning: ["errors.ts", "codec", "scheduling"],
  report: ["errors.ts", "codec", "scheduling", "protocol", "planning"],
  history: ["errors.ts", "codec", "scheduling", "protocol", "planning", "report"],
  store: ["errors.ts", "codec", "scheduling", "protocol", "history"],
  threads: ["errors.ts", "codec", "scheduling", "protocol"],
  dashboard: ["errors.ts", "codec", "scheduling", "protocol", "planning", "report", "history", "store"],
  client: ["errors.ts", "codec", "scheduling", "protocol", "planning", "history", "store", "threads", "report", "dashboard"],
  worker: ["errors.ts", "codec", "scheduling", "protocol", "store", "threads", "report"],
  gateway: ["errors.ts", "codec", "scheduling", "protocol", "planning", "store", "report"],
  cli: ["*"],
  "index.ts": ["*"],
  "handle.ts": ["client"],
};

/** Sub-folders that must not import each other (local and remote submission share only `client/`). */
export const SIBLINGS_APART: readonly [string, string][] = [["client/local", "client/remote"]];

/** Outside packages that only some runtime folders may import: all Redis access goes through store/. */
export const RUNTIME_PACKAGE_HOMES: Record<string, readonly string[]> = {
  ioredis: ["store"],
};

/** Which of our packages each package may import (by package name). */
export const PACKAGE_DEPENDENCIES: Record<string, readonly string[]> = {
  sdk: [],
  compiler: ["sdk"],
  runtime: ["sdk"],
};

export interface ImportEdge {
  /** Importing file, relative to the repository root. */
  file: string;
  line: number;
  /** The specifier as written. */
  specifier: string;
}

/** Every `import`/`export … from`/`import()` specifier of a file, with its line (TypeScript's own scanner: strings and comments are not imports). */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => ({ specifier: f.fileName, line: text.slice(0, f.pos).split("\n").length }));
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The layer of a runtime source file: its first folder, or its own name for a root file. */
function layerOf(srcRoot: string, file: string): string {
  const rel = relative(srcRoot, file).split(sep);
  return rel.length === 1 ? (rel[0] as string) : (rel[0] as string);
}

/** The sub-folder (two segments) of a runtime file, e.g. `client/local`. */
function subFolderOf(srcRoot: string, file: string): string {
  return relative(srcRoot, dirname(file)).split(sep).slice(0, 2).join("/");
}

/**
 * Checks the whole repository; returns one message per violation (empty when clean): an import of
 * a package not listed for it, an upward import between runtime folders, a cycle between folders.
 */
export function checkImportLayers(repoRoot: string): string[] {
  const problems: string[] = [];
  for (const [pkg, allowed] of Object.entries(PACKAGE_DEPENDENCIES)) {
    const srcRoot = join(repoRoot, "packages", pkg, "src");
    for (const file of sources(srcRoot)) {
      const text = readFileSync(file, "utf8");
      const where = (line: number): string => `${relative(repoRoot, file)}:${line}`;
      for (const { specifier, line } of importsOf(text)) {
        const ours = /^@taskloom\/([^/]+)/.exec(specifier)?.[1];
        if (ours && ours !== pkg && !allowed.includes(ours)) {
          problems.push(`${where(line)}: package ${pkg} must not import @taskloom/${ours} (allowed: ${allowed.join(", ") || "none"})`);
        }
        const home = pkg === "runtime" ? RUNTIME_PACKAGE_HOMES[specifier] : undefined;
        const layer = layerOf(srcRoot, file);
        if (home && !home.includes(layer)) problems.push(`${where(line)}: ${layer}/ must not import ${specifier}; only ${home.join(", ")}/ may`);
        if (!specifier.startsWith(".")) continue;
        const target = resolve(dirname(file), specifier);
        if (!target.startsWith(srcRoot + sep)) {
          problems.push(`${where(line)}: imports ${specifier}, outside packages/${pkg}/src`);
          continue;
        }
        if (pkg !== "runtime") continue;
        const from = layerOf(srcRoot, file);
        const to = layerOf(srcRoot, target.replace(/\.js$/, ".ts"));
        const rule = RUNTIME_LAYERS[from];
        if (!rule) problems.push(`${where(line)}: runtime folder "${from}" has no layer rule in test/architecture/import-layers.ts`);
        else if (to !== from && !rule.includes("*") && !rule.includes(to)) {
          problems.push(`${where(line)}: ${from}/ must not import ${to} (${specifier}); ${from}/ may import ${rule.join(", ") || "nothing of the runtime"}`);
        }
        const [a, b] = [subFolderOf(srcRoot, file), subFolderOf(srcRoot, target)];
        for (const [x, y] of SIBLINGS_APART) {
          if ((a === x && b === y) || (a === y && b === x)) problems.push(`${where(line)}: ${a}/ must not import ${b}/ (${specifier})`);
        }
      }
    }
  }
  problems.push(...folderCycles(join(repoRoot, "packages/runtime/src")));
  return problems;
}

/** Cycles in the graph of runtime folders (imports between different first-level folders). */
function folderCycles(srcRoot: string): string[] {
  const edges = new Map<string, Set<string>>();
  for (const file of sources(srcRoot)) {
    const from = layerOf(srcRoot, file);
    for (const { specifier } of importsOf(readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const to = layerOf(srcRoot, resolve(dirname(file), specifier).replace(/\.js$/, ".ts"));
      if (to === from) continue;
      let set = edges.get(from);
      if (!set) edges.set(from, (set = new Set()));
      set.add(to);
    }
  }
  const out: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") out.push(`import cycle between runtime folders: ${[...stack.slice(stack.indexOf(next)), next].join(" → ")}`);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return out;
}
