import { IR_VERSION, MIN_IR_VERSION, type GraphNode, type InlineInfo, type ModuleManifest, type TaskInfo, type WorkflowIR } from "@taskloom/sdk/internal";
import type { EmitInline, EmitTask } from "./emit-task.js";
import { stableStringify } from "./stable-json.js";

/** Input of {@link buildManifest}: the analysed module and its bundle. */
export interface BuildManifestInput {
  /** The source module, relative to the project root (forward slashes). */
  source: string;
  workflows: WorkflowIR[];
  tasks: Record<string, EmitTask>;
  /** The inline steps' functions, with their JavaScript (see `inlineJs`): the manifest lists them by id. */
  inline?: Record<string, EmitInline & { js: string }> | undefined;
  bundle: { file: string; hash: string; bytes: number };
}

/**
 * Builds the {@link ModuleManifest} of a module. Tasks are referred to by id and described by
 * where they live in the bundle (export name, method, location) and their `@task` options: the
 * manifest never carries task code. Only inline steps carry their few characters of JavaScript
 * (pure expressions), which main threads evaluate without importing the bundle.
 *
 * @example
 * ```ts
 * const manifest = buildManifest({ source: "wordcount.ts", workflows, tasks, bundle });
 * ```
 */
export function buildManifest(input: BuildManifestInput): ModuleManifest {
  const tasks: Record<string, TaskInfo> = {};
  for (const id of Object.keys(input.tasks).sort()) {
    const t = input.tasks[id]!;
    tasks[id] = {
      exportName: t.exportName,
      method: t.method,
      ...(t.options ? { options: { ...t.options } } : {}),
      ...(t.stream ? { stream: { ...t.stream } } : {}),
      loc: { ...t.loc },
    };
  }
  const inlineIds = Object.keys(input.inline ?? {}).sort();
  const inline: Record<string, InlineInfo> = {};
  for (const id of inlineIds) inline[id] = { loc: { ...input.inline![id]!.loc }, js: input.inline![id]!.js };
  return {
    // Version 3 only when needed: a module without streams still runs on runtimes that know only 2.
    version: Object.values(tasks).some((t) => t.stream) ? IR_VERSION : MIN_IR_VERSION,
    source: input.source,
    bundle: { file: input.bundle.file, hash: input.bundle.hash, bytes: input.bundle.bytes },
    tasks,
    ...(inlineIds.length > 0 ? { inline } : {}),
    workflows: input.workflows,
  };
}

/** The manifest's bytes as written to `<stem>.manifest.json`: compact, stable key order, final newline. */
export function serializeManifest(manifest: ModuleManifest): string {
  return `${stableStringify(manifest)}\n`;
}

function countIn(nodes: readonly GraphNode[]): number {
  let n = 0;
  for (const node of nodes) {
    n += 1;
    if (node.kind === "map") n += countIn(node.body.nodes);
    else if (node.kind === "branch") for (const arm of node.arms) n += countIn(arm.nodes);
  }
  return n;
}

/** Counts a workflow's nodes, including the nodes of map bodies (each counted once, not per element) and branch arms. */
export function countNodes(workflow: Pick<WorkflowIR, "nodes">): number {
  return countIn(workflow.nodes);
}
