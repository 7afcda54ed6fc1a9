import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ExecutionContext, ExecutionOutcome, Executor } from "../executor.js";
import { RedisConnectionError, RunAbortedError, RunStateLostError, RunTimeoutError, isTaskloomError } from "../../errors.js";
import { beforeDeadline, isRedisUnavailable } from "../../store/redis-errors.js";
import { manifestInline } from "../../scheduling/inline-functions.js";
import { RedisRunStore } from "../../store/redis-run-store.js";
import { connectRedis, isCluster, unrefConnection, type RedisConnection } from "../../store/redis-connection.js";
import { followRunLogs } from "./follow-run-logs.js";
import type { RunErrorRecord, RunIndexEntry, RunStore, StoredRunMeta } from "../../store/run-store.js";
import { RedisTaskQueue } from "../../store/redis-task-queue.js";
import type { TaskQueue } from "../../store/task-queue.js";
import { GraphReplica } from "../../scheduling/graph-replica.js";
import { encodeRemote, maxEncodedLength } from "../../codec/remote-codec.js";
import { RunStalledError, ValueTooLargeError, WorkerError, type TaskFailedError } from "../../errors.js";
import { runSignatures } from "./run-signatures.js";
import { remoteRunError } from "./remote-error.js";
import { RemoteRunEvents } from "./remote-run-events.js";
import { taskNameOf, taskNamesOf } from "../../protocol/manifest-check.js";
import { groupsOf, watchForStall } from "./stall-watch.js";
import { watchForWorkers } from "./worker-wait-watch.js";
import { redactRedisUrl } from "../../store/redis-url.js";
import { buildRemoteReport } from "../../report/remote-report.js";
import { cancelPrewarms, requestPrewarms, type PrewarmAsk } from "../../store/prewarm-requests.js";
import { streamWorkflow } from "../../scheduling/stream-edges.js";
import { workflowStructure } from "../../scheduling/workflow-structure.js";
import type { RunReport } from "../../report/run-report.js";
import { hasBranches } from "../../scheduling/branch-arm.js";
import { defaultPlan, type RunPlan } from "../../scheduling/run-plan.js";
import { handoffsByGroup } from "../../store/task-queue.js";
import { manifestBlob, submissionOf } from "./submission.js";
import { awaitMetrics, readResult, type RunStarts, skippedTasks, startsOf } from "./run-end-reads.js";
import { planRun, recordPlannedRun } from "./planned-run.js";
import type { PlanReport } from "../../planning/plan-report.js";

/** Options of a remote run beyond the handle's run options. */
export interface RemoteRunOptions {
  /** Key prefix. Default `tl`. */
  prefix?: string;
  plan?: RunPlan;
  /** What the planner of `plan` predicted: the report's `plan`. */
  planReport?: PlanReport;
  /** Pre-warm: workers the gateways are asked to start before the plan needs them (with `connection`). */
  prewarm?: readonly PrewarmAsk[];
  /** Polling interval of the fallback that never lets the client hang (ms). Default 500. */
  pollMs?: number;
  /**
   * Interval of the check for a run whose remaining work was lost (ms): a run that is running but
   * has no hand-off queued or held at two checks in a row fails with `TL_RUN_STALLED`. Default 2000.
   */
  stallCheckMs?: number;
  /**
   * Milliseconds the run's hand-offs may wait in a worker group that no worker takes from before
   * the client warns (`process.emitWarning`, code `TL_NO_WORKER`; the run goes on). Default 10000.
   */
  noWorkerWarningMs?: number;
  /** The Redis URL as the no-worker warning shows it (redacted); set by the executor. */
  shownUrl?: string;
  /** Seconds the run's metrics stay in Redis after the run. Default 86400. */
  metricsTtlS?: number;
  /**
   * Ask workers to publish the run's task events on its channel even when this client has no
   * `onEvent` or `progress` (for another listener, e.g. a dashboard). Default false.
   */
  events?: boolean;
  /** Connection to follow the run's log channel from (`logs` run option); set by the executor. */
  connection?: RedisConnection;
  /**
   * Wait for every task's metrics and read the recorded lengths before returning (for a report that
   * is read at once, or the history). Implied by the `report` run option. Without it, the outcome's
   * report is built on first read from the metrics that had arrived when the run ended (workers
   * upload them after their completions).
   */
  collectMetrics?: boolean;
  /** How long to wait for metrics still being uploaded by workers (their upload strategy), ms. Default 1000. */
  metricsWaitMs?: number;
}

/** What a remote run returns beside the result: the report and Redis-side counters. */
export interface RemoteOutcome extends ExecutionOutcome {
  runId: string;
  bytesWritten: number;
  /** Lengths of the arrays fanned out over, as recorded by workers (with `collectMetrics`). */
  lengths?: Map<string, number>;
}

/** How long a run that did not succeed waits for its keys to be deleted (Redis may be down). */
const CLEANUP_AFTER_FAILURE_MS = 3000;

/** Manifests up to this size (JSON characters) travel inside the run's metadata. */
const INLINE_MANIFEST_BYTES = 64 * 1024;

/**
 * Runs a compiled workflow on `dag-worker` processes through Redis: uploads the manifest and
 * bundle once per content hash, seeds the root tasks, waits for `done` / `failed` by pub/sub
 * with a polling fallback, reads the result and deletes the run's keys (metrics stay, with a TTL).
 */
export async function runRemote(store: RunStore, queue: TaskQueue, given: ExecutionContext, options: RemoteRunOptions = {}): Promise<RemoteOutcome> {
  const startedAt = Date.now();
  // Streaming readers start with their producers: the client and every worker schedule the rewritten graph.
  const ctx: ExecutionContext = { ...given, workflow: streamWorkflow(given.workflow, given.manifest).workflow };
  const runId = ctx.runId ?? randomUUID();
  const plan = options.plan ?? defaultPlan();
  const submission = submissionOf(ctx.workflow, ctx.input, manifestInline(ctx.manifest));
  const manifest = manifestBlob(ctx.manifest);
  const bundleHash = ctx.manifest.bundle.hash;
  // A small manifest travels inside the run's metadata; a large one is stored once per hash.
  const inline = manifest.json.length <= INLINE_MANIFEST_BYTES;
  const input = encodeRemote(ctx.input);
  // Workers refuse a stored value longer than this: say so now, before anything is written.
  if (input.length > maxEncodedLength(ctx.options.maxValueBytes))
    throw new ValueTooLargeError("input (encoded for Redis)", input.length, ctx.options.maxValueBytes);
  const signatures = ctx.options.signingKey ? await runSignatures(ctx.options.signingKey, ctx.bundleUrl, bundleHash, manifest.json) : undefined;
  let outcome: "done" | "failed" | "aborted" | "timeout" | "stalled" | "lost" | "unreachable" | undefined;
  let stopStallWatch: (() => void) | undefined;
  let stopWorkerWatch: (() => void) | undefined;
  let wake: () => void = () => {};
  const ended = new Promise<void>((r) => (wake = r));
  const settle = (o: typeof outcome): void => {
    outcome ??= o;
    wake();
  };
  let unwatch: (() => Promise<void>) | undefined;
  let failure: RunErrorRecord | undefined;
  // The poll also watches Redis itself: metadata gone once the run was created means Redis lost
  // the run's state; no answer for `redisOutageMs` means it is unreachable.
  let created = false;
  let lastAnswer = Date.now();
  const poll = setInterval(() => {
    if (Date.now() - lastAnswer > ctx.options.redisOutageMs) settle("unreachable");
    void store.getMeta(runId).then(
      (m: StoredRunMeta | undefined) => {
        lastAnswer = Date.now();
        if (!m) {
          if (created) settle("lost");
        } else if (m.status !== "running") settle(m.status === "done" ? "done" : m.status === "failed" ? "failed" : "aborted");
      },
      () => undefined,
    );
  }, options.pollMs ?? 500);
  const onAbort = (): void => settle("aborted");
  ctx.options.signal?.addEventListener("abort", onAbort);
  if (ctx.options.signal?.aborted) settle("aborted");
  const timer = ctx.options.timeoutMs ? setTimeout(() => settle("timeout"), ctx.options.timeoutMs) : undefined;
  let stopLogs: (() => Promise<void>) | undefined;
  const events = new RemoteRunEvents(ctx, submission.known);
  const listening = events.wanted || options.events === true;
  /** Throws the error of a run that did not succeed. */
  const failRun = async (): Promise<never> => {
    if (outcome === "failed") {
      const [record, lengths] = await Promise.all([store.getError(runId), store.getLengths(runId)]);
      failure = record;
      if (!record) throw new WorkerError("(unknown)", `run ${runId} of ${ctx.workflow.name} failed without an error record`);
      const replica = new GraphReplica(ctx.workflow, ctx.input, lengths);
      throw remoteRunError(record, { workflow: ctx.workflow, instance: (id) => replica.instance(id), taskName: (task) => taskNameOf(ctx.manifest, task) });
    }
    if (outcome === "lost") {
      throw new RunStateLostError(
        runId,
        `run ${runId} of ${ctx.workflow.name}: Redis lost the run's state (its metadata is gone: Redis restarted without persistence, was flushed, or evicted the run's keys); the run cannot finish. Keep runs across restarts with appendonly yes (see the README, Redis persistence)`,
      );
    }
    if (outcome === "unreachable") {
      throw new RedisConnectionError(
        "TL_REDIS_UNREACHABLE",
        `Redis did not answer for ${ctx.options.redisOutageMs} ms (redisOutageMs) during run ${runId} of ${ctx.workflow.name}; the run was given up`,
      );
    }
    await store.abort(runId);
    if (outcome === "timeout") throw new RunTimeoutError(ctx.options.timeoutMs ?? 0);
    if (outcome === "stalled") {
      throw new RunStalledError(
        runId,
        `run ${runId} of ${ctx.workflow.name} stopped making progress: it has not finished, yet none of its tasks is queued or held by a worker in group(s) ${groupsOf(plan).join(", ")} (its remaining work was lost); the run was aborted`,
      );
    }
    throw new RunAbortedError(ctx.options.signal?.reason);
  };
  /** Sets `error.report`: the run's tasks that reported metrics so far, and the failed instance. */
  const attachPartialReport = async (error: unknown): Promise<void> => {
    if (typeof error !== "object" || error === null) return;
    const records = await Promise.race([store.getMetrics(runId), new Promise<string[]>((r) => setTimeout(() => r([]), 1000).unref())]).catch(() => []);
    // A task's failure (TaskFailedError and its kinds, an output that cannot cross) names its instance.
    const e = error as Partial<TaskFailedError>;
    const failed =
      typeof e.instanceId === "string" && typeof e.task === "string"
        ? {
            instanceId: e.instanceId,
            task: e.task,
            name: e.taskName ?? e.task,
            worker: e.worker,
            thread: e.thread,
            attempts: e.attempts ?? 1,
            error: String(e.message),
          }
        : undefined;
    (error as { report?: unknown }).report = buildRemoteReport({
      runId,
      workflow: ctx.workflow.name,
      structure: workflowStructure(ctx.workflow),
      status: "failed",
      startedAt,
      finishedAt: Date.now(),
      records,
      names: taskNamesOf(ctx.manifest),
      known: submission.known,
      planner: plan.planner ?? "wukong",
      detailed: ctx.options.report === true,
      ...(failed ? { failed } : {}),
    });
  };
  /** Whether the manifest's blob is in Redis (else an inline one is stored at the run's end). */
  let manifestStored = true;
  const indexEntry: RunIndexEntry = {
    id: runId,
    workflow: ctx.workflow.name,
    status: "running",
    startedAt,
    manifestHash: manifest.hash,
    known: submission.known,
    planner: plan.planner ?? "wukong",
    ...(options.planReport
      ? {
          plan: {
            sla: options.planReport.sla,
            predictedMakespanMs: options.planReport.predictedMakespanMs,
            predictedGbSeconds: options.planReport.predictedCost.gbSeconds,
            ...(options.planReport.fallback ? { fallback: options.planReport.fallback } : {}),
          },
        }
      : {}),
  };
  try {
    // One round trip for the blob checks, the run's metadata and the subscription to its events.
    const [hasManifest, hasBundle] = await allSettled([
      store.hasBlob("manifest", manifest.hash),
      store.hasBlob("bundle", bundleHash),
      store
        .createRun(runId, {
          manifestHash: manifest.hash,
          bundleHash,
          workflow: ctx.workflow.name,
          input,
          plan: JSON.stringify(plan),
          known: submission.known,
          manifest: inline ? manifest.json : "",
          optimizations: JSON.stringify(ctx.options.optimizations),
          events: listening,
          maxValueBytes: ctx.options.maxValueBytes,
          ...signatures,
        })
        .then(() => {
          created = true;
        }),
      store.indexRun(indexEntry),
      // The dashboard's planned times (ghost bars, planned vs measured); kept as long as the metrics.
      options.planReport ? store.putPlanReport(runId, JSON.stringify(options.planReport), options.metricsTtlS ?? 86_400) : undefined,
      options.prewarm?.length && options.connection
        ? requestPrewarms(options.connection, options.prefix ?? "tl", runId, startedAt, options.prewarm)
        : undefined,
      // The status channel only, unless this process listens to task events (they have a channel of their own).
      Promise.all([
        store.watch(runId, (e) => (e === "running" ? undefined : settle(e === "done" ? "done" : e === "failed" ? "failed" : "aborted"))),
        events.wanted ? store.watchTaskEvents(runId, events.onMessage) : undefined,
      ]).then(([status, tasks]) => {
        unwatch = async () => void (await Promise.all([status(), tasks?.()]));
      }),
    ] as const);
    // An inline manifest is also stored once per hash, after the run (off its critical path): a dashboard reading the run after its metadata is gone draws its graph.
    manifestStored = hasManifest || !inline;
    await Promise.all([
      hasManifest || inline ? undefined : store.putBlob("manifest", manifest.hash, Buffer.from(manifest.json)),
      hasBundle ? undefined : readFile(ctx.bundleUrl).then((b) => store.putBlob("bundle", bundleHash, b)),
    ]);
    // Follow the run's lines before any task can start, so that none is missed.
    if (ctx.options.logs && options.connection) stopLogs = await followRunLogs(options.connection, runId, ctx.options.logs, options.prefix);
    if (submission.known === 0) settle("done");
    if (events.wanted) events.queued(submission.roots);
    await Promise.all([...handoffsByGroup(plan, runId, submission.roots)].map(([g, list]) => queue.push(g, list)));
    stopStallWatch = watchForStall(queue, store, runId, groupsOf(plan), options.stallCheckMs ?? 2000, () => settle("stalled"));
    stopWorkerWatch = watchForWorkers({
      queue,
      runId,
      workflow: ctx.workflow.name,
      groups: groupsOf(plan),
      shownUrl: options.shownUrl ?? "<url>",
      intervalMs: options.stallCheckMs ?? 2000,
      ...(options.noWorkerWarningMs !== undefined ? { afterMs: options.noWorkerWarningMs } : {}),
    });
    await ended;
    if (outcome === "done") {
      // One round trip for the result, the counters, the metrics and (with branches) the decisions.
      const collect = options.collectMetrics === true || ctx.options.report;
      const reading = performance.now();
      const read: Record<string, number> = {};
      const [result, meta, first, lengths] = await Promise.all([
        readResult(store, runId, ctx, submission, read),
        store.getMeta(runId),
        store.getMetrics(runId),
        collect || hasBranches(ctx.workflow) ? store.getLengths(runId) : undefined,
      ]);
      const finishedAt = Date.now();
      const resultRead = { ms: performance.now() - reading, instances: read };
      const skipped = lengths && hasBranches(ctx.workflow) ? skippedTasks(ctx, lengths, finishedAt) : [];
      const known = meta?.known ?? submission.known;
      const build = (records: readonly string[], starts?: RunStarts): RunReport =>
        buildRemoteReport({
          runId,
          workflow: ctx.workflow.name,
          structure: workflowStructure(ctx.workflow),
          status: "succeeded",
          startedAt,
          finishedAt,
          records,
          names: taskNamesOf(ctx.manifest),
          known,
          planner: plan.planner ?? "wukong",
          ...(options.planReport ? { plan: options.planReport } : {}),
          ...(meta ? { bytesWritten: meta.bytesWritten } : {}),
          ...(starts ? { coldStarts: starts.cold } : {}),
          ...(starts && starts.prewarmed.length > 0 ? { prewarmed: starts.prewarmed } : {}),
          skipped,
          resultRead,
        });
      if (collect) {
        const [records, starts] = await Promise.all([
          awaitMetrics(store, runId, first, known, options.metricsWaitMs ?? 1000),
          options.connection ? startsOf(options.connection, runId, options.prefix) : undefined,
        ]);
        return { result, runId, bytesWritten: meta?.bytesWritten ?? 0, report: build(records, starts), ...(lengths ? { lengths } : {}) };
      }
      // Built on first read: most runs never look at their report (parsing 1,000 records costs ms).
      let report: RunReport | undefined;
      return {
        result,
        runId,
        bytesWritten: meta?.bytesWritten ?? 0,
        get report(): RunReport {
          return (report ??= build(first));
        },
      };
    }
    try {
      return await failRun();
    } catch (error) {
      // A failed run's error carries its partial report, as a local run's does.
      if (outcome !== "lost" && outcome !== "unreachable") await attachPartialReport(error);
      throw error;
    }
  } finally {
    events.finish(outcome !== "done");
    clearInterval(poll);
    stopStallWatch?.();
    stopWorkerWatch?.();
    if (timer) clearTimeout(timer);
    // A run that did not finish may leave hand-offs behind: workers would read them for nothing,
    // and a worker gateway would start workers for them.
    ctx.options.signal?.removeEventListener("abort", onAbort);
    // Bounded: after a Redis outage these may not be answered (the keys then expire with Redis' own policy).
    const cleanup = async (): Promise<void> => {
      if (outcome !== "done") await Promise.all(groupsOf(plan).map((g) => queue.dropRun(g, runId, 1_000).catch(() => 0)));
      await unwatch?.();
      await stopLogs?.();
      if (options.prewarm?.length && options.connection)
        await cancelPrewarms(options.connection, options.prefix ?? "tl", runId, options.prewarm).catch(() => undefined);
      const status = outcome === "done" ? "done" : outcome === "failed" ? "failed" : "aborted";
      await Promise.all([
        store.deleteRun(runId, options.metricsTtlS ?? 86_400),
        manifestStored ? undefined : store.putBlob("manifest", manifest.hash, Buffer.from(manifest.json)).catch(() => false),
        store.indexRun({ ...indexEntry, status, finishedAt: Date.now(), ...(failure ? { error: failure } : {}) }).catch(() => undefined),
      ]);
    };
    if (outcome === "done") await cleanup();
    else await beforeDeadline(cleanup(), Date.now() + CLEANUP_AFTER_FAILURE_MS);
  }
}

/** Like Promise.all, but settles every promise before rejecting (so none is left running unseen). */
async function allSettled<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** A client's connection to one Redis and the store and queue on it, shared by its runs. */
interface SharedClient {
  conn: RedisConnection;
  store: RedisRunStore;
  queue: RedisTaskQueue;
}

/** Per prefix and URL: the shared client, or `cluster` (a Cluster connection is opened per run). */
const clients = new Map<string, Promise<SharedClient | "cluster">>();

/** The shared client for `url` and `prefix`: connected once, then reused while it stays open. */
function sharedClient(url: string, prefix: string | undefined): Promise<SharedClient | "cluster"> {
  const key = `${prefix ?? "tl"} ${url}`;
  let p = clients.get(key);
  if (!p) {
    const created: Promise<SharedClient | "cluster"> = connectRedis(url).then((conn) => {
      if (isCluster(conn)) {
        conn.disconnect();
        return "cluster";
      }
      unrefConnection(conn);
      conn.on("end", () => {
        if (clients.get(key) === created) clients.delete(key);
      });
      return { conn, store: new RedisRunStore(conn, prefix), queue: new RedisTaskQueue(conn, prefix) };
    });
    p = created;
    clients.set(key, p);
    p.catch(() => {
      if (clients.get(key) === created) clients.delete(key);
    });
  }
  return p;
}

/**
 * The executor behind `run(input, { redis })`. Runs share one connection (and one subscriber) per
 * URL: a standalone connection stays open between runs, unref'd so that a script still exits
 * when its runs are done; a Redis Cluster connection is opened per run and closed after it.
 */
export function createRemoteExecutor(redisUrl: string, options: RemoteRunOptions = {}): Executor {
  return {
    async run(ctx: ExecutionContext): Promise<ExecutionOutcome> {
      // The shared sockets are unref'd: this timer keeps the process alive while the run lasts.
      const alive = setInterval(() => {}, 1 << 30);
      try {
        return await runOn(ctx);
      } catch (error) {
        // A command that Redis did not answer (down mid-submission, or while reading the result).
        if (!isTaskloomError(error) && isRedisUnavailable(error)) {
          throw new RedisConnectionError("TL_REDIS_UNREACHABLE", `Redis did not answer during a run of ${ctx.workflow.name}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        throw error;
      } finally {
        clearInterval(alive);
      }
    },
  };
  async function runOn(ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const shared = await sharedClient(redisUrl, options.prefix);
    if (shared !== "cluster") return await runPlanned(shared.store, shared.queue, shared.conn, ctx);
    const conn = await connectRedis(redisUrl);
    const store = new RedisRunStore(conn, options.prefix);
    const queue = new RedisTaskQueue(conn, options.prefix);
    try {
      return await runPlanned(store, queue, conn, ctx);
    } finally {
      await store.close();
      await queue.close();
      conn.disconnect();
    }
  }
  /** A run with `planner`: planned from the history and the published configurations, then recorded in the history. */
  async function runPlanned(store: RunStore, queue: TaskQueue, conn: RedisConnection, ctx: ExecutionContext): Promise<ExecutionOutcome> {
    if (!ctx.options.planning) return await runRemote(store, queue, ctx, { shownUrl: redactRedisUrl(redisUrl), ...options, connection: conn });
    const planning = await planRun({ ...ctx, planning: ctx.options.planning, switches: ctx.options.optimizations.switches }, conn, options.prefix);
    try {
      const outcome = await runRemote(store, queue, ctx, {
        shownUrl: redactRedisUrl(redisUrl),
        ...options,
        connection: conn,
        plan: planning.planned.plan,
        planReport: planning.planned.report,
        ...(planning.planned.prewarm ? { prewarm: planning.planned.prewarm.requests } : {}),
        collectMetrics: true,
      });
      await recordPlannedRun(planning, ctx, outcome.report, outcome.lengths);
      return outcome;
    } finally {
      await planning.close();
    }
  }
}
