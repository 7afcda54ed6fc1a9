/**
 * The storage contract of the remote runtime: per-run state (metadata, atomic dependency counters,
 * outputs, recorded lengths, error record, metrics) and content-addressed blobs. Implemented in
 * memory ({@link MemoryRunStore}) and on Redis ({@link RedisRunStore}); one conformance suite
 * (packages/runtime/test/remote/conformance.test.ts) runs against both.
 */

/** Lifecycle of a run as stored. */
export type RunStatus = "running" | "done" | "failed" | "aborted";

/** What a client writes when it submits a run. */
export interface RunMeta {
  /** Hash of the manifest blob (JSON of the module manifest). */
  manifestHash: string;
  /** Hash of the task bundle blob. */
  bundleHash: string;
  /** Name of the workflow in the manifest. */
  workflow: string;
  /** Encoded workflow input. */
  input: string;
  /** JSON of the run's {@link RunPlan}. */
  plan: string;
  /** Task instances known at submission. */
  known: number;
  /** The manifest's JSON itself when small (then no manifest blob is stored); "" otherwise. */
  manifest?: string;
  /** JSON of the run's OptimizationSettings; "" or absent for the defaults. */
  optimizations?: string;
  /** Someone listens to the run's task events: workers publish them ({@link RunStore.publishEvents}). */
  events?: boolean;
  /** The run's `maxValueBytes` (absent: the default). */
  maxValueBytes?: number;
  /** HMAC-SHA256 (hex) of the bundle and of the manifest's JSON with the client's signing key; "" or absent when unsigned. */
  bundleSig?: string;
  manifestSig?: string;
}

/** A run as the run index keeps it (for the dashboard): written at submission and again when it ends. */
export interface RunIndexEntry {
  id: string;
  workflow: string;
  status: RunStatus;
  /** ms since the epoch (the client's clock). */
  startedAt: number;
  finishedAt?: number;
  manifestHash: string;
  /** Task instances known at submission. */
  known: number;
  planner: string;
  /** A failed run's error record (the run's own keys are deleted when it ends). */
  error?: RunErrorRecord;
  /** A planned run's prediction (its whole plan report: {@link RunStore.getPlanReport}). */
  plan?: RunIndexPlan;
}

/** What the run index keeps of a planned run's prediction. */
export interface RunIndexPlan {
  sla: string;
  predictedMakespanMs: number;
  predictedGbSeconds: number;
  /** Why the planner fell back to the default plan, when it did. */
  fallback?: string;
}

/** How long the run index keeps a run (ms after its start). */
export const RUN_INDEX_KEEP_MS = 7 * 24 * 3600 * 1000;

/** Stored metadata as read back by workers. */
export interface StoredRunMeta extends RunMeta {
  status: RunStatus;
  /** Bytes of outputs written to the store so far. */
  bytesWritten: number;
}

/** A known dependent of a completing instance. */
export interface DependentSpec {
  id: string;
  /** How many distinct dependencies it has. */
  need: number;
}

/** An instance created by an expansion the completing instance triggered. */
export interface CreatedSpec extends DependentSpec {
  /** Its dependencies, to count those already complete. */
  deps: string[];
}

/** The atomic, idempotent completion of one task instance. */
export interface CompleteRequest {
  runId: string;
  instanceId: string;
  /** Encoded output; "" when not sent (a store that needs it answers `resend`). */
  output: string;
  /**
   * `always`: store the output. `shared`: store it unless exactly one dependent exists and it
   * becomes ready now (the completing worker continues with it and holds the output in memory).
   * `keep:<k>` (task clustering): store it unless every dependent becomes ready now and there are
   * at most k of them (the worker runs them all); a redelivery stores it.
   */
  write: "always" | "shared" | `keep:${number}`;
  dependents: DependentSpec[];
  created: CreatedSpec[];
  /** Lengths read by expansions this completion triggered: [array key, length]. */
  lengths: [string, number][];
  /** Number of lengths the caller's graph replica knows; a mismatch answers `stale`. */
  lengthsVersion: number;
  /** Instances created (equals `created.length` for task instances). */
  knownDelta: number;
  /** Outputs to return for the first ready dependent (inputs the caller does not hold). */
  fetch: Record<string, string[]>;
  /** JSON metrics record of this execution, appended to the run's metrics. */
  metrics?: string;
}

export type CompleteResult =
  | {
      status: "ok";
      /** Dependents (known and created) whose dependencies are all complete. */
      ready: string[];
      /** Outputs fetched for `ready[0]` (id → encoded output). */
      fetched: Record<string, string>;
      /** The whole run is complete. */
      finished: boolean;
      /** This instance had already completed (a re-delivery): nothing was counted. */
      redelivered: boolean;
      /** Whether the output was stored. */
      written: boolean;
    }
  | { status: "resend" }
  | { status: "stale"; lengthsVersion: number }
  | { status: "inactive"; runStatus: RunStatus | "missing" };

/** One completed instance of a {@link CompleteBatchRequest} (no expansion). */
export interface BatchCompletion {
  id: string;
  /** Store the output whatever happens (a result ref, no dependents, a dependent in another group). */
  always: boolean;
  /** Its direct dependents; `claimable`: the caller may continue with it (same worker group). */
  dependents: readonly { readonly id: string; readonly need: number; readonly claimable: boolean }[];
}

/**
 * Completes many instances of one run in one atomic, idempotent step. Each item claims at most
 * one claimable dependent that becomes ready (first item first, first dependent first): the
 * caller continues with it. An item listed in `cluster` (a large output: task clustering) may
 * then claim more of its ready dependents, `budget` in all over the batch (the caller's free
 * threads): the caller runs them beside it. An output is stored unless every dependent of its
 * item was claimed in this step (and the item is not a re-delivery, nor `always`).
 */
export interface CompleteBatchRequest {
  runId: string;
  /** As in {@link CompleteRequest}. */
  lengthsVersion: number;
  items: BatchCompletion[];
  /** Encoded outputs the caller sends (those it predicts are stored); a missing needed one answers `resend`. */
  outputs: Record<string, string>;
  /** Per claimable dependent: outputs to return when it is claimed (inputs the caller does not hold). */
  fetch: Record<string, string[]>;
  /** Metrics record of the step ("" or absent for none). */
  metrics?: string;
  /** Indices of items that may claim more than one dependent (task clustering). */
  cluster?: number[];
  /** How many dependents beyond their first the `cluster` items may claim in all. */
  budget?: number;
  /** Items that may wait on their worker instead of completing now (delayed I/O); see {@link DelayRequest}. */
  delay?: DelayRequest;
}

/**
 * Delayed I/O and task clustering on fan-ins, checked in the same atomic step as the completion.
 * A listed item (a large output) is held, not completed (nothing counted, stored or claimed, and
 * `held:<id>` = `<bytes>:<worker>` recorded in the run's counters), while some dependent of it
 * still waits for an input that is neither complete, nor completing in this step, nor held by
 * another worker that it must travel to. It completes as usual when every dependent waits for it
 * alone, when it is `final` (its delay ran out), when it is a redelivery, or when a dependent
 * waits for an input held on another worker that is larger (`yieldToLarger`: the fan-in goes to
 * the holder of its largest input, ties to the smaller id; without it, any held input elsewhere).
 */
export interface DelayRequest {
  /** The worker asking (held inputs of its own are not waited on: it completes them together). */
  worker: string;
  items: { index: number; bytes: number; final: boolean; yieldToLarger: boolean }[];
  /** The dependencies of each dependent of the listed items. */
  deps: Record<string, string[]>;
}

export type CompleteBatchResult =
  | {
      status: "ok";
      /** Item index → the dependent it claimed. */
      claims: Map<number, string>;
      /** Further dependents claimed by `cluster` items: [item index, dependent], in claim order. */
      extra: [number, string][];
      /** Dependents that became ready and were not claimed: hand them off. */
      handoffs: string[];
      /** Indices of items whose output was not stored (all their dependents were claimed). */
      unwritten: number[];
      /** Indices of `delay` items held on their worker: not completed (complete them again later). */
      held: number[];
      /** Indices of items that were complete already (redeliveries: nothing was counted for them). */
      redelivered: number[];
      fetched: Record<string, string>;
      finished: boolean;
    }
  | { status: "resend"; ids: string[] }
  | { status: "stale"; lengthsVersion: number }
  | { status: "inactive"; runStatus: RunStatus | "missing" };

export type { RunErrorRecord } from "../protocol/run-error-record.js";
import type { RunErrorRecord } from "../protocol/run-error-record.js";

/** Listener of run events (`done`, `failed`, `aborted`). */
export type RunEventListener = (event: RunStatus) => void;

/**
 * Listener of a run's JSON messages: its task-event messages ({@link RunStore.watchTaskEvents}) or
 * the notices of its status channel ({@link RunStore.watch}); JSON of a `RunEventMessage` (see
 * protocol/run-events.ts).
 */
export type RunEventMessageListener = (message: string) => void;

/** Storage of runs and blobs. Every method is one round trip on Redis. */
export interface RunStore {
  /** Stores a blob under its content hash unless present; returns whether it was written. */
  putBlob(kind: "manifest" | "bundle", hash: string, data: Buffer): Promise<boolean>;
  hasBlob(kind: "manifest" | "bundle", hash: string): Promise<boolean>;
  getBlob(kind: "manifest" | "bundle", hash: string): Promise<Buffer | undefined>;

  /** Creates a run in status `running`. */
  createRun(runId: string, meta: RunMeta): Promise<void>;
  getMeta(runId: string): Promise<StoredRunMeta | undefined>;
  /** Lengths recorded so far (array key → length). */
  getLengths(runId: string): Promise<Map<string, number>>;
  complete(request: CompleteRequest): Promise<CompleteResult>;
  /** Completes many instances at once (one round trip); see {@link CompleteBatchRequest}. */
  completeBatch(request: CompleteBatchRequest): Promise<CompleteBatchResult>;
  /** Records a task error and marks the run failed; false when the run was no longer running. */
  fail(runId: string, record: RunErrorRecord): Promise<boolean>;
  /** Marks a running run aborted; false when it was no longer running. */
  abort(runId: string): Promise<boolean>;
  getError(runId: string): Promise<RunErrorRecord | undefined>;
  readOutputs(runId: string, ids: string[]): Promise<(string | undefined)[]>;
  /** The instances of `specs` whose count of completed inputs has reached `need` (ready, or run already). */
  readyAmong(runId: string, specs: readonly { id: string; need: number }[]): Promise<string[]>;
  /** Stores outputs outside a completion (large outputs, recovery). */
  writeOutputs(runId: string, entries: [string, string][]): Promise<void>;
  /**
   * Keeps a planned run's plan report (JSON of a `PlanReport`: per instance its predicted worker,
   * start and end) for `ttlS` seconds; it outlives the run like its metrics.
   */
  putPlanReport(runId: string, json: string, ttlS: number): Promise<void>;
  /** The plan report {@link RunStore.putPlanReport} kept, if any. */
  getPlanReport(runId: string): Promise<string | undefined>;
  /** The run's metrics records, from index `from` on (default 0: all). */
  getMetrics(runId: string, from?: number): Promise<string[]>;
  /**
   * Appends metrics records to the run's metrics, which keep (or get) a TTL of `ttlS` seconds: a
   * worker flushing after the run ended leaves nothing behind for good.
   */
  appendMetrics(runId: string, records: readonly string[], ttlS: number): Promise<void>;
  /** Deletes every key of the run except its metrics, which expire after `metricsTtlS` seconds. */
  deleteRun(runId: string, metricsTtlS: number): Promise<void>;
  /**
   * Subscribes to the run's status channel: its status words (`listener`) and its JSON notices
   * (`onNotice`: outputs stored for pre-loading workers). Task events travel on a channel of their
   * own ({@link RunStore.watchTaskEvents}). Resolves once subscribed, returns the unsubscribe function.
   */
  watch(runId: string, listener: RunEventListener, onNotice?: RunEventMessageListener): Promise<() => Promise<void>>;
  /**
   * Subscribes to the run's task-event channel (what workers publish while someone listens). On
   * the same connection as {@link RunStore.watch}: a run's `done` arrives after its last task
   * events. Resolves once subscribed, returns the unsubscribe function.
   */
  watchTaskEvents(runId: string, listener: RunEventMessageListener): Promise<() => Promise<void>>;
  /**
   * Subscribes to every run's status and task-event channels at once (status words, notices and
   * task-event messages), so that a listener misses nothing a run publishes after this resolves,
   * even before it knows the run. Returns the unsubscribe function.
   */
  watchAllRuns(listener: (runId: string, message: string) => void): Promise<() => Promise<void>>;
  /** Subscribes to every run's log channel (the lines a worker gateway relays, JSON of a `RunLogMessage`); returns the unsubscribe function. */
  watchAllRunLogs(listener: (runId: string, message: string) => void): Promise<() => Promise<void>>;
  /** Adds or updates the run in the run index (and forgets runs started more than {@link RUN_INDEX_KEEP_MS} ago). */
  indexRun(entry: RunIndexEntry): Promise<void>;
  /** Runs of the index that started at or after `sinceMs`, oldest first. */
  listRuns(sinceMs: number): Promise<RunIndexEntry[]>;
  /** Calls `listener` with the run id whenever the index is written; resolves once subscribed, returns the unsubscribe function. */
  watchRunIndex(listener: (runId: string) => void): Promise<() => Promise<void>>;
  /** Says for `ttlMs` that a dashboard watches: workers that load a run meanwhile publish its task events (0: no longer). */
  markDashboardWatching(ttlMs: number): Promise<void>;
  /** Whether a dashboard watches (see {@link RunStore.markDashboardWatching}). */
  dashboardWatching(): Promise<boolean>;
  /**
   * Pre-load: makes `worker` the one worker that pre-loads the inputs of fan-in `fanInId` (unless
   * another one is) and marks `heldIds`, outputs it holds for that fan-in, held there (delayed
   * I/O elsewhere then sends its outputs on at once). True when `worker` pre-loads it; false
   * when another worker does or the run is not running.
   */
  reservePreload(runId: string, fanInId: string, worker: string, heldIds: readonly string[]): Promise<boolean>;
  /** Publishes one task-event message (JSON of a `RunEventMessage`) on the run's task-event channel. */
  publishEvents(runId: string, message: string): Promise<void>;
  /** Publishes one notice (JSON of a `RunEventMessage` without events: stored outputs) on the run's status channel. */
  publishNotice(runId: string, message: string): Promise<void>;
  close(): Promise<void>;
}
