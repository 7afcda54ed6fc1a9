import type { Value } from "@taskloom/sdk/internal";
import { decodeStored } from "../../codec/remote-codec.js";
import { taskNamesOf } from "../../protocol/manifest-check.js";
import { countMetricsRows } from "../../report/metrics-record.js";
import type { PrewarmedWorker, SkippedTaskReport } from "../../report/run-report.js";
import { GraphReplica } from "../../scheduling/graph-replica.js";
import { manifestInline } from "../../scheduling/inline-functions.js";
import { resolveValue } from "../../scheduling/resolve-value.js";
import { collectRefs } from "../../scheduling/value-ops.js";
import type { RedisConnection } from "../../store/redis-connection.js";
import type { RunStore } from "../../store/run-store.js";
import { getRunStartMetrics } from "../../store/start-metrics.js";
import type { ExecutionContext } from "../executor.js";
import type { Submission } from "./submission.js";

// What a remote run's client reads once the run has ended: its result, its metrics, the tasks it
// skipped, and what a gateway recorded of its workers' starts.

/**
 * Reads the run's result. The graph built at submission names it already unless an expansion
 * happened during the run: then a ref of its result is a fan-out not expanded at submission, which
 * has no output, and the result is read again from a replica built with the recorded lengths.
 * `sizes` is given the stored size (characters) of each output read, by instance id.
 */
export async function readResult(
  store: RunStore,
  runId: string,
  ctx: ExecutionContext,
  submission: Submission,
  sizes?: Record<string, number>,
): Promise<unknown> {
  const submitted = submission.result;
  const early = await readRefs(store, runId, submitted);
  if (early) return resolveOutputs(submitted, sizesOf(early, sizes), ctx);
  const replica = new GraphReplica(ctx.workflow, ctx.input, await store.getLengths(runId), manifestInline(ctx.manifest));
  const outputs = await readRefs(store, runId, replica.result());
  if (!outputs) throw new Error(`internal: an output of the run's result is not in Redis`);
  return resolveOutputs(replica.result(), sizesOf(outputs, sizes), ctx);
}

function sizesOf(outputs: Map<string, string>, sizes: Record<string, number> | undefined): Map<string, string> {
  if (sizes) for (const [id, text] of outputs) sizes[id] = text.length;
  return outputs;
}

/**
 * The run's metrics records once they hold a row per instance, or what arrived by `waitMs`: workers
 * upload them after their completions (or later, by their upload strategy).
 */
export async function awaitMetrics(store: RunStore, runId: string, records: string[], known: number, waitMs: number): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let rows = 0;
    for (const r of records) rows += countMetricsRows(r);
    if (rows >= known || Date.now() >= deadline) return records;
    await new Promise((r) => setTimeout(r, 20));
    records = await store.getMetrics(runId);
  }
}

/**
 * The tasks of the branch arms the run did not take, from a replica built with every recorded
 * decision; told to `onEvent` listeners as `skipped` events (at the end of a remote run).
 */
export function skippedTasks(ctx: ExecutionContext, lengths: Map<string, number>, at: number): SkippedTaskReport[] {
  const replica = new GraphReplica(ctx.workflow, ctx.input, lengths, manifestInline(ctx.manifest));
  const names = taskNamesOf(ctx.manifest);
  return replica.skipped().map((t) => {
    const skipped = { instanceId: t.id, task: t.task, name: names.get(t.task) ?? t.task, branch: t.branch };
    ctx.options.onEvent?.({ type: "skipped", ...skipped, at });
    return skipped;
  });
}

/** What a worker gateway recorded of the run's workers: cold starts (ms from spawn to their first task), workers pre-warmed for it. */
export interface RunStarts {
  cold: Map<string, number>;
  prewarmed: PrewarmedWorker[];
}

export async function startsOf(conn: RedisConnection, runId: string, prefix: string | undefined): Promise<RunStarts> {
  const starts = await getRunStartMetrics(conn, runId, { prefix }).catch(() => []);
  const cold = new Map<string, number>();
  const used = new Set(starts.filter((s) => s.prewarmed).map((s) => s.worker));
  const prewarmed: PrewarmedWorker[] = [];
  for (const s of starts) {
    if (s.kind === "cold" && s.ms !== null) cold.set(s.worker, s.ms);
    if (s.kind === "prewarm") prewarmed.push({ worker: s.worker, configuration: s.config, used: used.has(s.worker) });
  }
  return { cold, prewarmed };
}

/** The outputs `value` reads, or `undefined` when one of them is not stored. */
async function readRefs(store: RunStore, runId: string, value: Value): Promise<Map<string, string> | undefined> {
  const refs = [...collectRefs(value, new Set())];
  const values = await store.readOutputs(runId, refs);
  const outputs = new Map<string, string>();
  for (let i = 0; i < refs.length; i++) {
    const text = values[i];
    if (text === undefined) return undefined;
    outputs.set(refs[i]!, text);
  }
  return outputs;
}

function resolveOutputs(value: Value, outputs: Map<string, string>, ctx: ExecutionContext): unknown {
  const limit = ctx.options.maxValueBytes;
  return resolveValue(
    value,
    ctx.input,
    (id) => decodeStored(outputs.get(id) as string, `stored output of instance ${id}`, limit, id),
    manifestInline(ctx.manifest),
  );
}
