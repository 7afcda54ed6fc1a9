import type { Value } from "@taskloom/sdk/internal";
import type { SharedPool } from "../local/pool-set.js";
import type { BatchReply, BatchRequest, ThreadError } from "../local/thread-messages.js";
import { decodeWire, encodeWire } from "../codec/wire-codec.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { WorkerRun } from "./worker-run-cache.js";

const INPUT_ID = "$input";

/** Rewrites `input` values into a reference the thread resolves from the batch's values. */
function bindInput(value: Value): Value {
  switch (value.kind) {
    case "input":
      return { kind: "node", node: INPUT_ID };
    case "get":
      return { kind: "get", of: bindInput(value.of), path: value.path };
    case "array":
      return { kind: "array", items: value.items.map((i) => ({ ...i, value: bindInput(i.value) })) };
    case "object":
      return {
        kind: "object",
        entries: value.entries.map((e) => (e.spread ? { spread: true as const, value: bindInput(e.value) } : { key: e.key, value: bindInput(e.value) })),
      };
    default:
      return value;
  }
}

/** The outcome of one task execution on a thread. */
export type TaskOutcome =
  | { ok: true; output: unknown; startedAt: number; finishedAt: number; inputBytes: number; outputBytes: number; threadId: number }
  | { ok: false; error: ThreadError; threadId: number };

/**
 * Runs one task instance on the worker's piscina threads (the local runtime's thread entry),
 * with the dependency outputs `inputs` (instance id → value) and the run's input.
 */
export async function runTask(pool: SharedPool, run: WorkerRun, instance: TaskInstance, inputs: ReadonlyMap<string, unknown>): Promise<TaskOutcome> {
  const info = run.manifest.tasks[instance.task];
  if (!info) {
    return { ok: false, threadId: 0, error: { name: "ManifestError", message: `the manifest has no task ${instance.task}`, code: "TL_MANIFEST" } };
  }
  const values: Record<string, unknown> = { [INPUT_ID]: run.input };
  for (const dep of instance.deps) values[dep] = inputs.get(dep);
  const request: BatchRequest = {
    type: "batch",
    bundle: run.bundleUrl,
    items: [{ id: instance.id, exportName: info.exportName, method: info.method, args: bindInput(instance.args), keep: true }],
    values: encodeWire(values) as Record<string, unknown>,
    measureBytes: true,
    cursor: new Int32Array(new SharedArrayBuffer(4)),
    runId: run.runId,
  };
  let reply: BatchReply;
  try {
    reply = (await pool.pool.run(request)) as BatchReply;
  } catch (error) {
    const e = error as Error & { code?: string };
    return { ok: false, threadId: 0, error: { name: e.name, message: `the worker thread died: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}), ...(e.code ? { code: e.code } : {}) } };
  }
  if (reply.failure || reply.completed < 1) {
    return { ok: false, threadId: reply.threadId, error: reply.failure ?? { name: "Error", message: "the task did not run" } };
  }
  const m = reply.metrics;
  return {
    ok: true, output: decodeWire(reply.outputs[0]), threadId: reply.threadId,
    startedAt: m[0] ?? 0, finishedAt: m[1] ?? 0, inputBytes: m[2] ?? 0, outputBytes: m[3] ?? 0,
  };
}
