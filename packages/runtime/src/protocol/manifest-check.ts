import { IR_VERSION, MIN_IR_VERSION, type ModuleManifest } from "@taskloom/sdk/internal";
import type { TaskOptions } from "@taskloom/sdk";
import { ManifestError } from "../errors.js";

const NO_OPTIONS: Readonly<TaskOptions> = Object.freeze({});

/**
 * Checks that a manifest is of an IR version this runtime runs (2, or 3 with streaming tasks), else throws a
 * {@link ManifestError} that says which side is older: a manifest crosses process boundaries (a
 * client of one release may submit to workers of another).
 *
 * @param where - what holds the manifest, for the message (`the workflow module`, `run r1`).
 */
export function checkManifest(manifest: ModuleManifest, where = "the compiled module"): ModuleManifest {
  const version = (manifest as { version?: unknown }).version;
  if (version === IR_VERSION || version === MIN_IR_VERSION) return manifest;
  const source = typeof manifest.source === "string" ? manifest.source : "(unknown source)";
  const fix =
    typeof version === "number" && version < MIN_IR_VERSION
      ? "it was written by an older dag-compile: run dag-compile again"
      : "it was written by a newer dag-compile than this @taskloom/runtime: upgrade the runtime (or compile with the same release)";
  throw new ManifestError(
    `the manifest of ${source} (${where}) has IR version ${JSON.stringify(version)}; this runtime runs versions ${MIN_IR_VERSION} to ${IR_VERSION}: ${fix}`,
  );
}

/** The `@task` options of a task of the manifest (written there by `dag-compile`); `{}` when it has none. */
export function taskOptionsOf(manifest: ModuleManifest, task: string): Readonly<TaskOptions> {
  return manifest.tasks[task]?.options ?? NO_OPTIONS;
}

/** Every task's display name, by task id (see {@link taskNameOf}). */
export function taskNamesOf(manifest: ModuleManifest): Map<string, string> {
  return new Map(Object.keys(manifest.tasks).map((task) => [task, taskNameOf(manifest, task)]));
}

/** A task's display name: its `name` option, else `Class.method`; the task id for a task the manifest lacks; without a manifest, the `Class.method` its id ends with. */
export function taskNameOf(manifest: ModuleManifest | undefined, task: string): string {
  // Without its manifest (a past run whose metadata is gone), the name the id ends with: `Class.method`.
  if (!manifest) return task.slice(task.lastIndexOf("#") + 1);
  const info = manifest.tasks[task];
  if (!info) return task;
  return info.options?.name ?? `${info.exportName}.${info.method}`;
}
