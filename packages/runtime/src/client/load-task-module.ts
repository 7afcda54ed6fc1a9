import { getTaskOptions, getWorkflowOptions, type TaskOptions, type WorkflowOptions } from "@taskloom/sdk";
import type { ModuleManifest } from "@taskloom/sdk/internal";
import { ManifestError } from "../errors.js";

/** What the main thread reads from a task bundle: options and names of tasks and workflows. */
export interface TaskModuleInfo {
  taskOptions: Map<string, Readonly<TaskOptions>>;
  taskNames: Map<string, string>;
  workflowOptions: Map<string, Readonly<WorkflowOptions>>;
}

const loaded = new Map<string, Promise<TaskModuleInfo>>();

/**
 * Imports the task bundle once in the main thread (the top level of a task module has no side
 * effects) and reads `@task` / `@workflow` options from reflect-metadata.
 */
export function loadTaskModule(manifest: ModuleManifest, bundleUrl: URL): Promise<TaskModuleInfo> {
  let info = loaded.get(bundleUrl.href);
  if (!info) {
    info = read(manifest, bundleUrl);
    loaded.set(bundleUrl.href, info);
    info.catch(() => loaded.delete(bundleUrl.href));
  }
  return info;
}

async function read(manifest: ModuleManifest, bundleUrl: URL): Promise<TaskModuleInfo> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(bundleUrl.href)) as Record<string, unknown>;
  } catch (error) {
    throw new ManifestError(`cannot load the task bundle ${bundleUrl.href} of ${manifest.source}: ${(error as Error).message}; run dag-compile again`);
  }
  const taskOptions = new Map<string, Readonly<TaskOptions>>();
  const taskNames = new Map<string, string>();
  for (const [id, info] of Object.entries(manifest.tasks)) {
    const target = mod[info.exportName] as Record<string, unknown> | undefined;
    if (typeof target?.[info.method] !== "function") {
      throw new ManifestError(`the task bundle of ${manifest.source} has no ${info.exportName}.${info.method} (task ${id}); run dag-compile again`);
    }
    const options = getTaskOptions(target, info.method) ?? {};
    taskOptions.set(id, options);
    taskNames.set(id, options.name ?? `${info.exportName}.${info.method}`);
  }
  const workflowOptions = new Map<string, Readonly<WorkflowOptions>>();
  for (const w of manifest.workflows) {
    const target = mod[w.className];
    const options = target && typeof target === "function" ? getWorkflowOptions(target, w.name) : undefined;
    workflowOptions.set(w.name, options ?? {});
  }
  return { taskOptions, taskNames, workflowOptions };
}
