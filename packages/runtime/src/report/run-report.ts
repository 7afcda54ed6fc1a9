import type { OptimizationSummary } from "./optimization-uses.js";
import type { PlanReport } from "../planning/plan-report.js";
import type { RunCost } from "../planning/run-cost.js";

/** Bytes of a task's inputs by where they came from. */
export interface InputSources {
  /** The memory of the process that ran it (the client's result store locally; the worker's held outputs remotely). */
  memory: number;
  /** The thread that ran it: outputs of earlier tasks of the same batch, or kept live on that thread. */
  thread: number;
  /** Read from Redis (remote runs). */
  redis: number;
}

/** A worker a gateway started early for the run's plan (pre-warm), and whether the run used it. */
export interface PrewarmedWorker {
  worker: string;
  configuration: string;
  /** It ran one of the run's tasks (its first task was then a warm start). */
  used: boolean;
}

/** One task instance in a {@link RunReport}. */
export interface TaskReport {
  instanceId: string;
  /** Stable task id, `file#Class.method`. */
  task: string;
  /** Display name: the task's `name` option or `Class.method`. */
  name: string;
  status: "finished" | "failed";
  /** The process that ran the last attempt: `local`, or the `dag-worker`'s id. */
  worker: string | undefined;
  /** Its thread (`worker_threads.threadId` in that process). */
  thread: number | undefined;
  attempts: number;
  /** ms since the epoch. */
  queuedAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** From ready to started (last attempt), in ms. */
  queueWaitMs: number;
  /** Execution time of the last attempt, in ms. */
  executionMs: number;
  /** Estimated bytes of the arguments and of the result (exact for strings and binary data). */
  inputBytes: number;
  outputBytes: number;
  /** Worker group (configuration) it ran in; `local` in a local run. */
  configuration: string;
  /** `cold`: the first task of a freshly started worker (or of a thread that loaded the bundle for it); else `warm`. */
  start: "cold" | "warm";
  /** Time getting its inputs: decoding them, and reading them from Redis when remote (ms). */
  inputFetchMs: number;
  /** Its input bytes by source. */
  inputSources: InputSources;
  /** Time storing its output: encoding it, and its share of the completion that wrote it to Redis (ms). */
  outputStoreMs: number;
  /** Bytes of its output written to Redis (0 when it stayed in memory). */
  outputStoredBytes: number;
  /** Time updating its dependents' counters (its share of the completion step, ms). */
  dependencyUpdateMs: number;
  /** Share of its execution its thread was busy: 1 for CPU-bound work, near 0 for a task waiting on timers or I/O. */
  cpuFraction: number | undefined;
  /** The planner that placed it (`local` in a local run). */
  planner: string;
  /** The error of a failed instance. */
  error?: string;
  /** Remote runs: what the data-aware optimizations did for this instance (absent when nothing). */
  optimizations?: TaskOptimizationReport;
}

/** What the data-aware optimizations did for one task instance (remote runs). */
export interface TaskOptimizationReport {
  /** Bytes of its output not stored in Redis (estimated): clustering or delayed I/O kept it on its worker. */
  bytesNotStored?: number;
  /** Dependents run on its worker beside the one it continued with, because its output was large. */
  clustered?: number;
  /** It ran on the worker that held its largest input (a fan-in). */
  fanInPlaced?: boolean;
  /** How long delayed I/O held its output in memory (ms). */
  delayedMs?: number;
  /** Inputs its worker pre-loaded while it waited for the others. */
  preloaded?: number;
}

/**
 * What `run(input, { report: true })` returns beside the result (and what a failed run's error
 * carries as `report`): every task instance with its worker, queue wait, execution time and bytes,
 * and the run's makespan.
 */
export interface RunReport {
  /** The run's id: its page on the dashboard is `/runs/<runId>`; remote runs' Redis keys carry it. */
  runId: string;
  workflow: string;
  executor: "local" | "remote";
  status: "succeeded" | "failed";
  /** Threads (local) or worker slots (remote) used. */
  concurrency: number;
  /** ms since the epoch. */
  startedAt: number;
  finishedAt: number;
  /** Wall time from submission to result, in ms. */
  makespanMs: number;
  /** Finished task instances per second of makespan. */
  tasksPerSecond: number;
  counts: {
    /** Task instances that ran (finished or failed). */
    tasks: number;
    finished: number;
    failed: number;
    /** Attempts beyond the first, over all instances. */
    retries: number;
    /** Messages sent to worker threads (several instances per batch when many are ready). */
    batches: number;
    /** Distinct threads (local) or worker processes (remote) that ran tasks. */
    workers: number;
    /** Task instances that completed but whose metrics did not reach the client (a worker's upload strategy). */
    unreported: number;
    /** Tasks of branch arms not taken (see {@link RunReport.skipped}). */
    skipped: number;
    /** Distinct threads that ran tasks (over all worker processes). */
    threads: number;
  };
  tasks: TaskReport[];
  /** Tasks of branch arms that were not taken: they never ran. */
  skipped: SkippedTaskReport[];
  /** Remote runs: the data-aware optimizations summed over the run, and the bytes of outputs stored in Redis. */
  optimizations?: OptimizationSummary & {
    bytesWritten?: number;
    /** Workers a gateway pre-warmed for this run, and how many of them ran its tasks. */
    prewarmed?: number;
    prewarmedUsed?: number;
  };
  /** Pre-warm: each worker a gateway started early for the run's plan, and whether it was used. */
  prewarmedWorkers?: PrewarmedWorker[];
  /** Hash of the workflow's structure: the key of its history. */
  structure: string;
  /** The planner of the run (`local` for local runs, `wukong` for the default remote plan). */
  planner: string;
  /** What the planner predicted (remote runs with `planner`). */
  plan?: PlanReport;
  /** Measured cost in GB-seconds, by the formula of `planning/run-cost.ts` (the one predictions use). */
  cost: RunCost;
  /**
   * Remote runs that succeeded: the client's read of the result once the run had ended (one round
   * trip for the result's stored outputs, and their decoding), part of the makespan. `instances`
   * holds the stored size (characters) of each output it read; planners learn the read from it.
   */
  resultRead?: ResultRead;
}

/** The client's read of a remote run's result (see {@link RunReport.resultRead}). */
export interface ResultRead {
  ms: number;
  /** Stored size of each output read, by instance id. */
  instances: Record<string, number>;
}

/** A task in an arm of a branch that took another arm. */
export interface SkippedTaskReport {
  /** The instance id it would have had (`[*]` for every element of a map inside the arm). */
  instanceId: string;
  /** Stable task id, `file#Class.method`. */
  task: string;
  name: string;
  /** The branch instance that took another arm. */
  branch: string;
}

/** What `run(input, { report: true })` resolves to. */
export interface RunOutcome<R> {
  result: R;
  report: RunReport;
}
