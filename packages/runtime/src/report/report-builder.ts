import { getHeapStatistics } from "node:v8";
import { runCost } from "../planning/run-cost.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { InputSources, RunReport, SkippedTaskReport, TaskReport } from "./run-report.js";

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
  worker: string | undefined;
  thread: number | undefined;
  inputBytes: number;
  outputBytes: number;
  cold: boolean;
  inputFetchMs: number;
  /** Bytes of the inputs that came from the thread that ran it (the rest came from memory). */
  threadBytes: number;
  outputStoreMs: number;
  dependencyUpdateMs: number;
  cpuFraction: number | undefined;
  error?: string;
}

/** What a thread measured of one finished instance. */
export interface InstanceMeasures {
  startedAt: number;
  finishedAt: number;
  inputBytes: number;
  outputBytes: number;
  cold: boolean;
  inputFetchMs: number;
  threadBytes: number;
  outputStoreMs: number;
  cpuFraction: number | undefined;
}

/** The local process as the one "worker" of a local run's cost: its heap limit, held for the makespan. */
const LOCAL_MEMORY_MB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);

/** Collects instance records during a local run and builds the {@link RunReport}. */
export class ReportBuilder {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  /** Messages sent to threads so far. */
  batches = 0;
  /** Tasks of branch arms not taken, in the order the branches decided. */
  readonly skipped: SkippedTaskReport[] = [];

  constructor(
    private readonly runId: string,
    private readonly workflow: string,
    private readonly concurrency: number,
    private readonly structure: string,
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
      thread: undefined,
      inputBytes: 0,
      outputBytes: 0,
      cold: false,
      inputFetchMs: 0,
      threadBytes: 0,
      outputStoreMs: 0,
      dependencyUpdateMs: 0,
      cpuFraction: undefined,
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

  /** @param thread - the thread that ran it (a local run's only worker is `local`). */
  finish(record: InstanceRecord, thread: number, m: InstanceMeasures): void {
    record.status = "finished";
    record.worker = "local";
    record.thread = thread;
    record.startedAt = m.startedAt;
    record.finishedAt = m.finishedAt;
    record.inputBytes = m.inputBytes;
    record.outputBytes = m.outputBytes;
    record.cold = m.cold;
    record.inputFetchMs = m.inputFetchMs;
    record.threadBytes = m.threadBytes;
    record.outputStoreMs = m.outputStoreMs;
    record.cpuFraction = m.cpuFraction;
  }

  fail(record: InstanceRecord, thread: number | undefined, error: string): void {
    record.status = "failed";
    record.worker = "local";
    record.thread = thread ?? record.thread;
    record.error = error;
  }

  build(status: RunReport["status"]): RunReport {
    const finishedAt = Date.now();
    const tasks: TaskReport[] = [];
    const workers = new Set<number>();
    let finished = 0;
    let failed = 0;
    let retries = 0;
    for (const r of this.records.values()) {
      if (r.status !== "finished" && r.status !== "failed") continue;
      if (r.status === "finished") finished++;
      else failed++;
      if (r.thread !== undefined) workers.add(r.thread);
      retries += Math.max(0, r.attempts - 1);
      const thread = Math.min(r.threadBytes, r.inputBytes);
      const inputSources: InputSources = { memory: r.inputBytes - thread, thread, redis: 0 };
      tasks.push({
        instanceId: r.instanceId,
        task: r.task,
        name: r.name,
        status: r.status,
        worker: r.worker,
        thread: r.thread,
        attempts: r.attempts,
        queuedAt: r.queuedAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        queueWaitMs: r.startedAt !== undefined ? Math.max(0, r.startedAt - r.queuedAt) : 0,
        executionMs: r.startedAt !== undefined && r.finishedAt !== undefined ? r.finishedAt - r.startedAt : 0,
        inputBytes: r.inputBytes,
        outputBytes: r.outputBytes,
        configuration: "local",
        start: r.cold ? "cold" : "warm",
        inputFetchMs: r.inputFetchMs,
        inputSources,
        outputStoreMs: r.outputStoreMs,
        outputStoredBytes: 0,
        dependencyUpdateMs: r.dependencyUpdateMs,
        cpuFraction: r.cpuFraction,
        planner: "local",
        ...(r.error !== undefined ? { error: r.error } : {}),
      });
    }
    const makespanMs = performance.now() - this.t0;
    return {
      runId: this.runId,
      workflow: this.workflow,
      executor: "local",
      status,
      concurrency: this.concurrency,
      startedAt: this.startedAt,
      finishedAt,
      makespanMs,
      tasksPerSecond: makespanMs > 0 ? (finished * 1000) / makespanMs : finished * 1000,
      counts: {
        tasks: finished + failed,
        finished,
        failed,
        retries,
        batches: this.batches,
        workers: workers.size,
        threads: workers.size,
        unreported: 0,
        skipped: this.skipped.length,
      },
      tasks,
      skipped: [...this.skipped],
      structure: this.structure,
      planner: "local",
      cost: runCost([
        {
          worker: "local",
          configuration: "local",
          memoryMb: LOCAL_MEMORY_MB,
          firstStartMs: this.startedAt,
          lastEndMs: this.startedAt + makespanMs,
          coldStartMs: 0,
        },
      ]),
    };
  }
}
