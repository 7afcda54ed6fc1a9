import type { ParsedRow } from "../report/metrics-record.js";
import type { TaskReport } from "../report/run-report.js";
import type { TaskMeasures } from "./run-view.js";

/** What a remote worker's metrics row says of a finished task, as the dashboard keeps it. */
export function measuresOfRow(row: ParsedRow, name: string): TaskMeasures {
  return {
    instanceId: row.instanceId,
    task: row.task,
    name,
    worker: row.worker,
    thread: row.thread,
    attempt: row.attempt,
    startedAt: row.startedAt,
    endedAt: row.finishedAt,
    fetchMs: row.fetchMs,
    storeMs: row.storeMs,
    inputBytes: row.inputBytes,
    outputBytes: row.outputBytes,
    redisInputBytes: row.redisBytes,
    storedBytes: row.storedBytes,
    cold: row.cold,
    configuration: row.group,
    memoryMb: row.memoryMb,
  };
}

/** What a run report says of one task instance, as the dashboard keeps it. */
export function measuresOfReport(t: TaskReport): TaskMeasures {
  return {
    instanceId: t.instanceId,
    task: t.task,
    name: t.name,
    worker: t.worker,
    thread: t.thread,
    attempt: t.attempts,
    startedAt: t.startedAt,
    endedAt: t.finishedAt,
    fetchMs: t.inputFetchMs,
    storeMs: t.outputStoreMs,
    inputBytes: t.inputBytes,
    outputBytes: t.outputBytes,
    redisInputBytes: t.inputSources.redis,
    storedBytes: t.outputStoredBytes,
    cold: t.start === "cold",
    configuration: t.configuration,
    ...(t.status === "failed" ? { error: t.error ?? "failed" } : {}),
  };
}
