/**
 * What planning learns from: the shapes a history store returns (`HistoryStore.samples`), defined
 * here so that predictions depend on nothing but data.
 */

/** One task instance's measurements as the history keeps them (times in ms, sizes in bytes). */
export interface TaskSample {
  /** When its run started (ms since the epoch). */
  at: number;
  inputBytes: number;
  outputBytes: number;
  executionMs: number;
  queueWaitMs: number;
  /** Inputs read from Redis: time and bytes (0 when every input was in memory). */
  fetchMs: number;
  fetchBytes: number;
  /** Output written to Redis: time and bytes (0 when it stayed in memory). */
  storeMs: number;
  storeBytes: number;
  /** Dependency update (completion) time. */
  updateMs: number;
  /** Whether it was the first task of a freshly started worker (or thread). */
  cold: boolean;
  /** Share of its execution the thread was busy (1: CPU bound, near 0: waiting on I/O or timers); -1 unknown. */
  cpu: number;
  /**
   * When it was ready before the task its thread ran just before it was done (that task's end plus
   * its store and completion): the time from then to its own start, less its own input fetch (the
   * worker reads inputs before the thread starts; the simulation counts the fetch on its own), in
   * ms. The worker's per-task
   * turnaround: the messages between its thread and the worker's main thread, the main thread's
   * other work, a CPU quota's throttling. Absent when its thread was idle, waiting for work.
   */
  turnaroundMs?: number;
  /**
   * Its output is (part of) the workflow's result: the client's read of it once the run ended (its
   * share, by stored size, of the one round trip and the decoding; `RunReport.resultRead`), in ms.
   */
  resultReadMs?: number;
}

/** A sample of moving bytes through Redis on a configuration. */
export interface TransferSample {
  kind: "fetch" | "store";
  bytes: number;
  ms: number;
}

/** The recent samples of one task on one configuration, and how many were ever recorded. */
export interface TaskHistory {
  task: string;
  configuration: string;
  /** Samples recorded over all runs (the kept ones are the latest `HISTORY_LIMITS.samplesPerTask`). */
  count: number;
  samples: TaskSample[];
}

/** Everything planning reads about a workflow structure: bounded, whatever the history's length. */
export interface HistorySamples {
  structure: string;
  workflow: string;
  runs: number;
  tasks: TaskHistory[];
  /** Transfer samples by configuration (shared by every workflow: the network does not depend on it). */
  transfers: Record<string, TransferSample[]>;
  /** Recent lengths of the arrays fanned out over that were not known at submission, by normalized key. */
  lengths: Record<string, number[]>;
}
