import { access } from "node:fs/promises";
import path from "node:path";
import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import { buildManifest, countNodes, serializeManifest } from "./build-manifest.js";
import { bundleTasks } from "./bundle-tasks.js";
import type { EmitInline, EmitTask } from "./emit-task.js";
import { generateDagModule } from "./generate-dag-module.js";
import { inlineJs } from "./inline-js.js";
import { hasContent, removeStaleBundles, writeIfChanged } from "./write-if-changed.js";

/** The analysed module that {@link emitModule} turns into files (plain IR, no ts-morph nodes). */
export interface EmitModuleInput {
  /** Absolute path of the source module `X.ts`. */
  sourceFile: string;
  /** Project root: bundle comments are relative to it. */
  rootDir: string;
  /** The source module relative to `rootDir`, with forward slashes. */
  source: string;
  workflows: WorkflowIR[];
  tasks: Record<string, EmitTask>;
  /** The inline steps' generated functions by id (bundled with the tasks). */
  inline?: Record<string, EmitInline>;
}

/** Options of {@link emitModule}. */
export interface EmitModuleOptions {
  /** `false` (the CLI's `--check`) computes everything and reports what would change, writing nothing. */
  write: boolean;
}

/** The absolute paths of a module's outputs. */
export interface ModuleOutputs {
  bundle: string;
  manifest: string;
  dagModule: string;
}

/** What {@link emitModule} produced for one module. */
export interface EmitModuleResult {
  manifest: ModuleManifest;
  /** Bytes of `<stem>.manifest.json`. */
  manifestBytes: number;
  /** Nodes over all workflows, map bodies included. */
  nodes: number;
  /** `manifestBytes / nodes` (0 when there are no nodes). */
  bytesPerNode: number;
  outputs: ModuleOutputs;
  /** Outputs written (or, when not writing, that would be written because they differ). */
  changed: string[];
  /** Older bundles of the same module that were removed. */
  removed: string[];
  /** Project files the bundle was built from (absolute, sorted): see `TaskBundle.inputs`. */
  inputs: string[];
}

/** The stem of a source file: `wordcount.ts` → `wordcount`. */
export function sourceStem(sourceFile: string): string {
  return path.basename(sourceFile).replace(/\.[mc]?tsx?$/, "");
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Emits one module: bundles its task classes to `.taskloom/<stem>.<hash>.mjs` (skipped when that
 * file exists; older bundles of the stem are removed), writes `.taskloom/<stem>.manifest.json` and
 * the typed `<stem>.dag.ts` next to the source. Unchanged files are not rewritten.
 *
 * @example
 * ```ts
 * const r = await emitModule({ sourceFile, rootDir, source: "wordcount.ts", workflows, tasks }, { write: true });
 * console.log(r.nodes, r.bytesPerNode, r.outputs.dagModule);
 * ```
 */
export async function emitModule(input: EmitModuleInput, options: EmitModuleOptions): Promise<EmitModuleResult> {
  const dir = path.dirname(input.sourceFile);
  const outDir = path.join(dir, ".taskloom");
  const stem = sourceStem(input.sourceFile);
  const [bundle, js] = await Promise.all([bundleTasks({ tasks: input.tasks, inline: input.inline, rootDir: input.rootDir }), inlineJs(input.inline ?? {})]);
  const bundleName = `${stem}.${bundle.hash}.mjs`;
  const manifest = buildManifest({
    source: input.source,
    workflows: input.workflows,
    tasks: input.tasks,
    inline: Object.fromEntries(Object.entries(input.inline ?? {}).map(([id, fn]) => [id, { ...fn, js: js[id]! }])),
    bundle: { file: bundleName, hash: bundle.hash, bytes: bundle.bytes },
  });
  const manifestText = serializeManifest(manifest);
  const dagText = generateDagModule(manifest, {
    sourceFileName: path.basename(input.sourceFile),
    bundlePath: `.taskloom/${bundleName}`,
  });
  const outputs: ModuleOutputs = {
    bundle: path.join(outDir, bundleName),
    manifest: path.join(outDir, `${stem}.manifest.json`),
    dagModule: path.join(dir, `${stem}.dag.ts`),
  };
  const changed: string[] = [];
  let removed: string[] = [];
  // The name carries the content hash: an existing bundle of that name holds these bytes.
  if (!(await exists(outputs.bundle))) changed.push(outputs.bundle);
  const texts: [string, string][] = [
    [outputs.manifest, manifestText],
    [outputs.dagModule, dagText],
  ];
  if (options.write) {
    if (changed.includes(outputs.bundle)) await writeIfChanged(outputs.bundle, bundle.code);
    for (const [file, text] of texts) if (await writeIfChanged(file, text)) changed.push(file);
    removed = await removeStaleBundles(outDir, stem, bundleName);
  } else {
    for (const [file, text] of texts) if (!(await hasContent(file, Buffer.from(text, "utf8")))) changed.push(file);
  }
  const nodes = input.workflows.reduce((n, w) => n + countNodes(w), 0);
  const manifestBytes = Buffer.byteLength(manifestText, "utf8");
  return {
    manifest,
    manifestBytes,
    nodes,
    bytesPerNode: nodes === 0 ? 0 : manifestBytes / nodes,
    outputs,
    changed,
    removed,
    inputs: bundle.inputs,
  };
}
