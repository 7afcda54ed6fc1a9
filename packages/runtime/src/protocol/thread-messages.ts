import type { MessagePort } from "node:worker_threads";
import type { Value } from "@taskloom/sdk/internal";

/**
 * Everything that crosses the boundary between the main thread and a worker thread. One request
 * runs a batch of task instances in order; an instance's arguments may read results of earlier
 * instances of the same batch, so a chain or a small subtree runs in one round trip.
 */

/** Main → worker: run `items` in order with the task bundle `bundle`. */
export interface BatchRequest {
  type: "batch";
  /** URL of the task bundle (an ES module), imported once per thread. */
  bundle: string;
  items: BatchItem[];
  /**
   * Values the items read that the main thread resolved already, keyed by the `node` ids that
   * stand for them in `args` (results of earlier batches, the input's parts, literals).
   */
  values: Record<string, unknown>;
  /**
   * When present, `values` in packed form (`packWire`) and `values` is ignored; the reply then
   * carries its outputs in `packedOutputs`. The local runtime always packs.
   */
  packedValues?: Uint8Array;
  /**
   * Keys of `packedValues` whose value is itself a packed result (a `Uint8Array` from an earlier
   * batch's `packedOutputs`), forwarded without being decoded in the main thread.
   */
  packedKeys?: string[];
  /**
   * The local runtime's compact form of the batch (then `items` is empty and `packedValues` holds
   * an array): one string instead of thousands of small objects to clone on each side.
   */
  compact?: CompactItems;
  /** Whether to estimate input and output bytes per item (for the run report). */
  measureBytes: boolean;
  /**
   * A shared cell where the worker writes the index of the item it is running, so that the main
   * thread knows which instance was running when a thread dies (out of memory, timeout).
   */
  cursor: Int32Array;
  /**
   * Live values kept on threads between batches (local runs). A thread keeps the large kept
   * outputs of its latest batch as `${keep}:${item}` until its next batch; `take` maps keys of
   * `packedValues` to such names: a thread that still holds one uses it instead of decoding the
   * bytes (which are always sent too, so any thread can run the batch).
   */
  resident?: { keep: string; take?: Record<string, string> };
  /** The run the items belong to (remote runs): worker threads tag the tasks' log lines with it under a gateway. */
  runId?: string;
  /** The largest input (a task's arguments together) or output allowed, in estimated bytes (the run's `maxValueBytes`). */
  maxValueBytes: number;
  /** A batch of one streaming task: its ports (its chunks go out, or come in at its `AsyncIterable` parameters). */
  stream?: BatchStreams;
}

/** One task instance of a batch. */
export interface BatchItem {
  /** Instance id; later items reference this item's result by it. */
  id: string;
  /** Export name of the class in the bundle, and the static method. */
  exportName: string;
  method: string;
  /** The call's arguments, an `array` value whose `node` refs name earlier items or keys of `values`. */
  args: Value;
  /** Whether the main thread needs this item's result back. */
  keep: boolean;
}

/**
 * Batch items without ids: `fns` lists `[exportName, method]` pairs, and `json` is a JSON array
 * with one `[fn, keep, args]` per item: `fn` indexes `fns`, `keep` is 1 when the main thread needs
 * the result back, and `args` is either an array of refs (item `i` for `i >= 0`, value `-i - 1` of
 * the unpacked `packedValues` array otherwise), or an `array` {@link Value} whose `node` refs are
 * `#i` (item `i`) and `$k` (value `k`).
 */
export interface CompactItems {
  fns: [exportName: string, method: string][];
  json: string;
}

/** Worker → main: what happened to a batch. Items after a failed one did not run. */
export interface BatchReply {
  type: "batch-result";
  /** `worker_threads.threadId` of the thread that ran the batch. */
  threadId: number;
  /** How many items completed (a prefix of the batch). */
  completed: number;
  /** Results of the completed items, in wire form; `undefined` where the item is not kept. */
  outputs: unknown[];
  /**
   * When the request was packed: each kept output packed on its own (`packWire`), concatenated;
   * item `i` is `packedOutputs[packedOffsets[i] .. packedOffsets[i + 1]]`. That range is empty
   * when the item is not kept, or when its output is a primitive: then it is `outputs[i]`.
   */
  packedOutputs?: Uint8Array;
  packedOffsets?: Float64Array;
  /** Per completed item, {@link METRICS_STRIDE} numbers laid out as {@link TaskMetric} says. */
  metrics: Float64Array;
  /** Set when this batch loaded the task bundle on the thread (its first task was a cold start): the load time in ms. */
  coldMs?: number;
  /** Items whose outputs the thread keeps live as `${resident.keep}:${item}` (see {@link BatchRequest.resident}). */
  retained?: number[];
  /** The failure of item number `completed`, when the batch stopped early. */
  failure?: ThreadError;
}

/** How the runtime classifies a failure; absent when the task itself threw. */
export type FailureKind = "bundle" | "value" | "size" | "timeout" | "oom" | "inline" | "stream";

/**
 * An error normalised at the thread boundary: anything thrown becomes this plain shape, with the
 * original's name, message, stack, `code` and other own properties, so that the main thread (and,
 * through the run's error record, a remote client) rebuilds it with its fields intact.
 */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** The thrown error's other own enumerable properties (those that can cross; see `dropped`). */
  props?: Record<string, unknown>;
  /** Own properties left out because they cannot cross (functions, symbols, ...). */
  dropped?: string[];
  /**
   * Not the task's own throw: `bundle` (the task bundle failed to load on the thread, or has no
   * such function: the run fails with `TL_BUNDLE`), `value` (its output cannot cross: `path`
   * and `what`), `timeout` / `oom` (its thread was stopped: `timeoutMs`, `memoryMb`), `inline`
   * (an inline step computing its arguments threw: `TL_INLINE_FAILED`, never retried), `size`
   * (its arguments or output are larger than `maxValueBytes`: `path` is `input` or `output`,
   * `bytes` and `limit`; `TL_VALUE_TOO_LARGE`, never retried), `stream` (a stream it read failed:
   * the error is its producer's, whose failure the run reports).
   */
  kind?: FailureKind;
  /** `value`: where in the output (`.items[2].cb`, "" for the output itself) and what it is. */
  path?: string;
  what?: string;
  timeoutMs?: number;
  memoryMb?: number;
  /** `size`: the value's estimated bytes and the limit. */
  bytes?: number;
  limit?: number;
}

/**
 * Offsets of one item's numbers in {@link BatchReply.metrics}: started and finished (ms since the
 * epoch, measured in the thread); and, when the request sets `measureBytes` (else 0): input and
 * output bytes (estimated), time resolving the arguments (decoding inputs, ms), bytes of the inputs
 * that were outputs of this thread (earlier items of the batch, or kept live), time packing the
 * output (ms), and the share of the execution the thread was busy (event-loop utilization: 1 for
 * CPU-bound work, near 0 for a task waiting on timers or I/O).
 */
export const TaskMetric = { started: 0, finished: 1, inputBytes: 2, outputBytes: 3, fetchMs: 4, threadBytes: 5, storeMs: 6, cpu: 7 } as const;

/** Number of entries per item in {@link BatchReply.metrics}. */
export const METRICS_STRIDE = 8;

/**
 * Output streaming, on the port between a streaming task's thread and its reader's (through the
 * main thread, or a worker's bridge to a Redis Stream): chunks packed with `packWire`, then `end`
 * or `error` (the producer's failure); the reader answers `cancel` when it stops early (it failed,
 * or left its `for await`): the producer's iteration is then ended with `return()`.
 */
export type StreamMessage = { t: "chunk"; bytes: Uint8Array } | { t: "end" } | { t: "error"; error: ThreadError } | { t: "cancel" };

/** The ports of a batch of one streaming task (see {@link BatchRequest.stream}). */
export interface BatchStreams {
  /** Where the task's chunks go, when it returns a stream. */
  output?: MessagePort;
  /** Per `AsyncIterable` parameter position, where its chunks come from. */
  params?: Record<number, MessagePort>;
}
