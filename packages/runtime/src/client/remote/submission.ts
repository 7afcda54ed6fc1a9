import { createHash } from "node:crypto";
import type { ModuleManifest, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { RunGraph } from "../../scheduling/run-graph.js";
import { RecordingReader, ShapeCache } from "../../scheduling/shape-cache.js";
import type { TaskInstance } from "../../scheduling/task-instance.js";
import { InlineFunctions } from "../../scheduling/inline-functions.js";

/** What a client needs from a run's graph: the roots to seed, the instance count, the result. */
export interface Submission {
  /** Instances ready at submission (no dependencies), in the graph's order. */
  roots: readonly Pick<TaskInstance, "id" | "nodeId" | "task">[];
  /** Task instances known at submission (the store counts completions up to it). */
  known: number;
  /** The workflow's result as a concrete value at submission. */
  result: Value;
}

/** Submissions by workflow and shape: a run of the same shape as an earlier one builds no graph. */
const submissions = new ShapeCache<Submission>();

/**
 * The submission of a run of `workflow` on `input`: built from a fresh {@link RunGraph}, or taken
 * from an earlier run of the same shape (same lengths of the arrays it fans out over; see
 * {@link ShapeCache}). Throws the graph's errors (an input that is not an array, an empty reduce).
 * `inline` evaluates the inline steps that fan-outs and branch tests over the input read.
 *
 * @example
 * ```ts
 * const { roots, known } = submissionOf(ctx.workflow, ctx.input);
 * ```
 */
export function submissionOf(workflow: WorkflowIR, input: unknown, inline = InlineFunctions.none): Submission {
  let submission = submissions.get(workflow, input, "", inline);
  if (!submission) {
    const reader = new RecordingReader(input, inline);
    const graph = new RunGraph(workflow, reader);
    const roots = graph.start().map(({ id, nodeId, task }) => ({ id, nodeId, task }));
    submission = { roots, known: graph.knownCount, result: graph.result() };
    submissions.set(workflow, reader.reads, "", submission, submission.known);
  }
  return submission;
}

/** A manifest as the client uploads it: its JSON and content hash. */
export interface ManifestBlob {
  json: string;
  hash: string;
}

const blobs = new WeakMap<ModuleManifest, ManifestBlob>();

/** The JSON and hash of `manifest`, computed once per manifest object. */
export function manifestBlob(manifest: ModuleManifest): ManifestBlob {
  let blob = blobs.get(manifest);
  if (!blob) {
    const json = JSON.stringify(manifest);
    blob = { json, hash: createHash("sha256").update(json).digest("hex").slice(0, 16) };
    blobs.set(manifest, blob);
  }
  return blob;
}
