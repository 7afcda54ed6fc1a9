/**
 * Every Redis key and channel the remote runtime uses, built in this one module.
 *
 * Keys of a run carry the run's hash tag `{<runId>}` so that they all live in one Redis Cluster
 * slot and multi-key Lua scripts over them stay legal. Content-addressed blobs (manifests,
 * bundles) and the hand-off streams of worker groups are shared across runs; each stream carries
 * its group's hash tag.
 */

/** Prefix of every Taskloom key; override per test to isolate test data. */
export const DEFAULT_KEY_PREFIX = "tl";

/** The keys of one run. All share the hash tag `{runId}`. */
export interface RunKeys {
  /** Hash: run metadata (workflow, input, status, counts, plan). */
  readonly meta: string;
  /** Set: ids of completed task instances. */
  readonly done: string;
  /** Hash: instance id → number of its dependencies completed so far. */
  readonly counts: string;
  /** Hash: instance id → encoded output (only outputs needed elsewhere, and the result's). */
  readonly outputs: string;
  /** Hash: array value (JSON of a concrete value) → length, recorded by the worker that read it. */
  readonly lengths: string;
  /** Hash: the run's error record (task id, message, stack, code, worker). */
  readonly error: string;
  /** List: one JSON metrics record per task execution. Survives the run (with a TTL). */
  readonly metrics: string;
  /**
   * Pub/sub channel of the run's status: `done` / `failed` / `aborted`, and the JSON notices of
   * stored outputs that pre-loading workers wait for. Light: every client of the run subscribes.
   */
  readonly events: string;
  /**
   * Pub/sub channel of the run's task events (JSON `RunEventMessage`s, protocol/run-events.ts),
   * published only while someone listens: a client with `onEvent` or `progress`, or a dashboard.
   */
  readonly tasks: string;
  /** Pub/sub channel of the run's worker log lines and gateway notices (`logs` run option). */
  readonly logs: string;
  /** String: a planned run's plan report (JSON), for the dashboard. Expires with the metrics. */
  readonly plan: string;
  /** List: how a gateway's workers came to run the run's first tasks (cold/warm). Expires with the metrics. */
  readonly starts: string;
  /** Hash: task id → why the gateway stopped its worker or saw it die (timeout, oom, shutdown). */
  readonly gatewayFailures: string;
  /**
   * Hash of the run's output streams: `p:<instance>` / `c:<instance>` (a streaming producer /
   * reader started, by which worker), `cancel:<producer>` (its reader stopped early). Each
   * producer's chunks are the Redis Stream {@link streamKey}`(keys, producer)`.
   */
  readonly streams: string;
}

/** The Redis Stream of the chunks of streaming producer instance `producer` (trimmed as read, deleted with the run). */
export function streamKey(keys: RunKeys, producer: string): string {
  return `${keys.streams}:${producer}`;
}

/** Checks that a run id is safe inside a hash tag: no braces, no whitespace. */
export function checkRunId(runId: string): void {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(runId)) {
    throw new Error(`run id must match [A-Za-z0-9_.:-]{1,128}, got ${JSON.stringify(runId)}`);
  }
}

/**
 * Builds the keys of run `runId`.
 * @example
 * ```ts
 * runKeys("tl", "r1").done; // "tl:{r1}:done"
 * ```
 */
export function runKeys(prefix: string, runId: string): RunKeys {
  checkRunId(runId);
  const base = `${prefix}:{${runId}}`;
  return {
    meta: `${base}:meta`,
    done: `${base}:done`,
    counts: `${base}:counts`,
    outputs: `${base}:out`,
    lengths: `${base}:len`,
    error: `${base}:err`,
    metrics: `${base}:metrics`,
    events: `${base}:events`,
    tasks: `${base}:tasks`,
    logs: `${base}:logs`,
    starts: `${base}:starts`,
    plan: `${base}:plan`,
    gatewayFailures: `${base}:gateway-failures`,
    streams: `${base}:streams`,
  };
}

/**
 * The PSUBSCRIBE pattern of every run's status channel (`<prefix>:{*}:events`), task-event channel
 * (`<prefix>:{*}:tasks`) or log channel (`<prefix>:{*}:logs`); the prefix's glob characters escaped.
 */
export function allRunChannelsPattern(prefix: string, kind: "events" | "tasks" | "logs"): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}:{*}:${kind}`;
}

/** The run id of a run channel ({@link RunKeys.events}, {@link RunKeys.tasks}, {@link RunKeys.logs}). */
export function runIdOfChannel(channel: string): string {
  return channel.slice(channel.lastIndexOf(":{") + 2, channel.lastIndexOf("}:"));
}

/** Every key of a run that is deleted when the run ends (all but the metrics and the start metrics). */
export function runDataKeys(keys: RunKeys): string[] {
  return [keys.meta, keys.done, keys.counts, keys.outputs, keys.lengths, keys.error, keys.gatewayFailures];
}

/** The keys of a run that outlive it, with the metrics TTL. */
export function runMetricsKeys(keys: RunKeys): string[] {
  return [keys.metrics, keys.starts, keys.plan];
}

/**
 * The index of runs the dashboard lists: a sorted set of run ids by start (`index`) and a hash of
 * run id → JSON {@link RunIndexEntry} (`info`), one hash tag so that one script trims both, and
 * the channel announcing each run id written (`channel`).
 */
export function runIndexKeys(prefix: string): { index: string; info: string; channel: string } {
  return { index: `${prefix}:{runs}:index`, info: `${prefix}:{runs}:info`, channel: `${prefix}:{runs}:indexed` };
}

/** String set (with a TTL) while a `dag-dashboard` watches the deployment: workers then publish task events. */
export function dashboardPresenceKey(prefix: string): string {
  return `${prefix}:dashboard-watching`;
}

/** Hash of a gateway's running totals of start times per configuration (`<config>:<kind>:count`, `…:ms`), for planners. */
export function startStatsKey(prefix: string): string {
  return `${prefix}:gateway-start-stats`;
}

/**
 * Sorted set of pre-warm requests for worker group `group`: member `<runId>#<n>`, score the time
 * (epoch ms) a gateway should start a worker of it (pre-warm: before the plan needs it).
 */
export function prewarmKey(prefix: string, group: string): string {
  return `${prefix}:prewarm:{${group}}`;
}

/** Hash of the worker configurations each live gateway publishes (a field per gateway), for clients and planners. */
export function gatewayConfigurationsKey(prefix: string): string {
  return `${prefix}:gateway-configurations`;
}

/** The pattern that matches every key of run `runId` (for SCAN in tests and cleanup checks). */
export function runKeyPattern(prefix: string, runId: string): string {
  return `${prefix}:{${runId}}:*`;
}

/** Content-addressed blob (a manifest or a task bundle) by its hash. */
export function blobKey(prefix: string, kind: "manifest" | "bundle", hash: string): string {
  return `${prefix}:${kind}:{${hash}}`;
}

/** The hand-off stream of worker group `group`; its consumer group is {@link CONSUMER_GROUP}. */
export function queueKey(prefix: string, group: string): string {
  return `${prefix}:queue:{${group}}`;
}

/** Name of the Redis Streams consumer group every worker of a group joins. */
export const CONSUMER_GROUP = "workers";

/** The keys of one workflow structure's history. All share the hash tag `{structure}`. */
export interface HistoryKeys {
  /** Hash: workflow, className, runs, firstAt, lastAt. */
  readonly meta: string;
  /** Hash: `<task>\t<configuration>` → samples ever recorded. */
  readonly counts: string;
  /** List: the latest run summaries (JSON), newest first. */
  readonly runs: string;
  /** Hash: run id → detail (JSON of its plan and report). */
  readonly details: string;
  /** List: run ids with a detail, newest first (to trim `details`). */
  readonly detailOrder: string;
  /** Set: fan-out keys with recorded lengths. */
  readonly lengthKeys: string;
  /** List of the recent samples (JSON) of one task on one configuration. */
  samples(field: string): string;
  /** List of the recent lengths of one fan-out key. */
  lengths(key: string): string;
}

/** Field of a (task, configuration) pair in {@link HistoryKeys.counts}, and the suffix of its samples list. */
export function historyField(task: string, configuration: string): string {
  return `${task}\t${configuration}`;
}

/**
 * Builds the history keys of workflow structure `structure` (a hex hash).
 * @example
 * ```ts
 * historyKeys("tl", "3f9a").meta; // "tl:history:{3f9a}:meta"
 * ```
 */
export function historyKeys(prefix: string, structure: string): HistoryKeys {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(structure)) throw new Error(`history structure must match [A-Za-z0-9_.-]{1,128}, got ${JSON.stringify(structure)}`);
  const base = `${prefix}:history:{${structure}}`;
  return {
    meta: `${base}:meta`,
    counts: `${base}:counts`,
    runs: `${base}:runs`,
    details: `${base}:details`,
    detailOrder: `${base}:detail-order`,
    lengthKeys: `${base}:length-keys`,
    samples: (field) => `${base}:s:${field}`,
    lengths: (key) => `${base}:l:${key}`,
  };
}

/** Hash: structure → JSON `{ workflow, className }`, every structure with a history. */
export function historyIndexKey(prefix: string): string {
  return `${prefix}:history:workflows`;
}

/** Sorted set: structure → start of its latest recorded run (ms), to forget the oldest beyond the cap. */
export function historyRecentKey(prefix: string): string {
  return `${prefix}:history:recent`;
}

/** Set of configurations with transfer samples, and the list of one configuration's samples of one kind. */
export function transferKeys(prefix: string): { configurations: string; samples(configuration: string, kind: string): string } {
  return {
    configurations: `${prefix}:history:transfer-configurations`,
    samples: (configuration, kind) => `${prefix}:history:transfer:{${configuration}}:${kind}`,
  };
}
