import { METRICS_STRIDE, TaskMetric as M } from "../protocol/thread-messages.js";
import type { TaskMetricsRow } from "../report/metrics-record.js";
import type { Chain } from "./chain-batch.js";

/** The metrics row of chain `c`, the `i`-th of its batch with thread metrics `m`, before its completion. */
export function chainMetricsRow(c: Chain, i: number, m: Float64Array, cold: boolean): TaskMetricsRow {
  const k = i * METRICS_STRIDE;
  const startedAt = m[k + M.started] ?? 0;
  const inputBytes = m[k + M.inputBytes] ?? 0;
  const deps = c.inst.deps.length;
  return {
    instanceId: c.inst.id,
    task: c.inst.task,
    startedAt,
    finishedAt: m[k + M.finished] ?? 0,
    inputBytes,
    // Estimated: the input's share of the inputs held in memory (sizes in memory are estimates, Redis bytes are exact).
    memoryBytes: deps === 0 ? inputBytes : Math.round((inputBytes * (deps - Math.min(deps, c.fetched))) / deps),
    outputBytes: m[k + M.outputBytes] ?? 0,
    cold,
    queueWaitMs: Math.max(0, startedAt - c.readyAt),
    fetchMs: c.fetchMs + (m[k + M.fetchMs] ?? 0),
    redisBytes: c.fetchBytes,
    storeMs: 0,
    storedBytes: 0,
    updateMs: 0,
    attempt: c.failures + 1,
    cpu: m[k + M.cpu] ?? -1,
  };
}

/** Enqueue time of a stream entry (`<ms>-<seq>`), or now when the id says nothing. */
export function enqueuedAt(entryId: string): number {
  const ms = Number(entryId.slice(0, entryId.indexOf("-")));
  return Number.isFinite(ms) && ms > 0 ? ms : Date.now();
}
