import type { TaskInstance } from "../scheduling/task-instance.js";
import type { RunReport, TaskReport } from "./run-report.js";

/** The run's bookkeeping for one task instance; becomes a {@link TaskReport}. */
export interface InstanceRecord {
  readonly instanceId: string;
  readonly task: string;
  readonly name: string;
  status: "ready" | "running" | "retrying" | "finished" | "failed";
  attempts: number;
  queuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  worker: number | string | undefined;
  inputBytes: number;
  outputBytes: number;
  error?: string;
}

/** Collects instance records during a run and builds the {@link RunReport}. */
export class ReportBuilder {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  /** Messages sent to threads so far. */
  batches = 0;

  constructor(
    private readonly workflow: string,
    private readonly concurrency: number,
    private readonly executor: RunReport["executor"] = "local",
  ) {}

  add(inst: TaskInstance, name: string, queuedAt: number): InstanceRecord {
    const record: InstanceRecord = {
      instanceId: inst.id,
      task: inst.task,
      name,
      status: "ready",
      attempts: 0,
      queuedAt,
      startedAt: undefined,
      finishedAt: undefined,
      worker: undefined,
      inputBytes: 0,
      outputBytes: 0,
    };
    this.records.set(inst.id, record);
    return record;
  }

  /** The record of `instanceId`, while the run tracks it. */
  get(instanceId: string): InstanceRecord | undefined {
    return this.records.get(instanceId);
  }

  remove(instanceId: string): void {
    this.records.delete(instanceId);
  }

  finish(record: InstanceRecord, worker: number | string, startedAt: number, finishedAt: number, inputBytes: number, outputBytes: number): void {
    record.status = "finished";
    record.worker = worker;
    record.startedAt = startedAt;
    record.finishedAt = finishedAt;
    record.inputBytes = inputBytes;
    record.outputBytes = outputBytes;
  }

  fail(record: InstanceRecord, worker: number | string | undefined, error: string): void {
    record.status = "failed";
    record.worker = worker ?? record.worker;
    record.error = error;
  }

  build(status: RunReport["status"]): RunReport {
    const finishedAt = Date.now();
    const tasks: TaskReport[] = [];
    const workers = new Set<number | string>();
    let finished = 0;
    let failed = 0;
    let retries = 0;
    for (const r of this.records.values()) {
      if (r.status !== "finished" && r.status !== "failed") continue;
      if (r.status === "finished") finished++;
      else failed++;
      if (r.worker !== undefined) workers.add(r.worker);
      retries += Math.max(0, r.attempts - 1);
      tasks.push({
        instanceId: r.instanceId,
        task: r.task,
        name: r.name,
        status: r.status,
        worker: r.worker,
        attempts: r.attempts,
        queuedAt: r.queuedAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        queueWaitMs: r.startedAt !== undefined ? Math.max(0, r.startedAt - r.queuedAt) : 0,
        executionMs: r.startedAt !== undefined && r.finishedAt !== undefined ? r.finishedAt - r.startedAt : 0,
        inputBytes: r.inputBytes,
        outputBytes: r.outputBytes,
        ...(r.error !== undefined ? { error: r.error } : {}),
      });
    }
    const makespanMs = performance.now() - this.t0;
    return {
      workflow: this.workflow,
      executor: this.executor,
      status,
      concurrency: this.concurrency,
      startedAt: this.startedAt,
      finishedAt,
      makespanMs,
      tasksPerSecond: makespanMs > 0 ? (finished * 1000) / makespanMs : finished * 1000,
      counts: { tasks: finished + failed, finished, failed, retries, batches: this.batches, workers: workers.size },
      tasks,
    };
  }
}
