import type { ModuleManifest } from "@taskloom/sdk/internal";
import { decodeRemote, decodeStored } from "../codec/remote-codec.js";
import { DEFAULT_MAX_VALUE_BYTES } from "../codec/value-limit.js";
import { taskNameOf } from "../protocol/manifest-check.js";
import type { RunErrorRecord } from "../protocol/run-error-record.js";
import { isRunEventMessage, runEventOf, type RunEventMessage } from "../protocol/run-events.js";
import { rowsOfRecord } from "../report/metrics-record.js";
import type { RunIndexEntry, RunStatus, RunStore, StoredRunMeta } from "../store/run-store.js";
import { dashboardGraphOf, graphOfInstances } from "./dashboard-graph.js";
import type { RunSink } from "./run-view.js";
import { RunView } from "./run-view.js";
import { measuresOfRow } from "./task-measures.js";
import { argumentsOf } from "./task-arguments.js";
import { planViewOf, type PlanView } from "./run-plan-view.js";
import type { PlanReport } from "../planning/plan-report.js";
import type { RunLogMessage } from "../store/run-log-channel.js";

/** Options of {@link RemoteFeed}. */
export interface RemoteFeedOptions {
  /** How often the run index is read (ms; a run written to it is read at once). Default 500. */
  pollMs?: number;
  /**
   * How often the live runs' new metrics records are read (ms): a finished task shows within this. Default 100. A read
   * that took more than 5 % of it in CPU (thousands of records) spaces the next accordingly.
   */
  metricsMs?: number;
  /** Only runs started at or after this time (ms since the epoch). Default: all the index keeps. */
  since?: number;
  /** Mark the dashboard present, so that workers publish task events (default true; an export reads only). */
  markPresence?: boolean;
  /** Report a failed Redis call (the feed keeps going). */
  log?: (line: string) => void;
}

/** How long the presence mark lasts: workers see it for this long after the dashboard's last beat (ms). */
const PRESENCE_TTL_MS = 5_000;
/** How long after its end a run's metrics are still read (workers upload them after their completions). */
const METRICS_TAIL_MS = 2_000;
/**
 * How long after the feed learnt of a run's end it waits for the last metrics records before it
 * shows the end (the stream's `end`): the records of the batch that ended the run are written right
 * after its completion, which published the end.
 */
const END_SETTLE_MS = 300;
/** At most this share of a core goes to polls: the next waits at least the last one's CPU time / BUSY_SHARE. */
const BUSY_SHARE = 0.05;
/** The longest spacing: a run busy for long still shows within about this (the dashboard then takes what its reads need). */
const MAX_SPACED_MS = 2_000;
/** Runs, and messages per run, kept for runs published on before the feed added them. */
const MAX_EARLY_RUNS = 64;
const MAX_EARLY_MESSAGES = 2_000;

interface LiveRun {
  view: RunView;
  /** Its index entry: as first read, then as written at its end. */
  entry: RunIndexEntry;
  /** Metrics records read so far. */
  offset: number;
  names: (task: string) => string;
  /** When the feed learnt that the run ended, and how it ended. */
  end?: { status: Exclude<RunStatus, "running">; at: number; seenAt: number };
  /** No manifest: the graph is made of the nodes its instances name. */
  derived: boolean;
}

/**
 * Feeds a dashboard with a deployment's remote runs from Redis: the run index lists them, each
 * live run's event channel brings task events as they happen (workers publish them while a
 * dashboard marks itself present), and its stored state (metrics, error record) brings everything
 * that happened before the dashboard looked, and whatever the channel did not carry.
 */
export class RemoteFeed {
  private readonly live = new Map<string, LiveRun>();
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private unwatchIndex: (() => Promise<void>) | undefined;
  private unwatchRuns: (() => Promise<void>) | undefined;
  private unwatchLogs: (() => Promise<void>) | undefined;
  /** Messages of runs not added yet (published while the feed read their index entry and manifest), replayed once added. */
  private readonly early = new Map<string, string[]>();
  private lastBeat = 0;
  private lastListed = 0;
  /** The index was written: read it at the next poll. */
  private indexDue = true;
  private since: number;
  private closed = false;

  constructor(
    private readonly store: RunStore,
    private readonly server: RunSink,
    private readonly options: RemoteFeedOptions = {},
  ) {
    this.since = options.since ?? 0;
  }

  /**
   * Marks the dashboard present, reads every run the index keeps, then keeps polling; a run
   * written to the index (a new run, or one that ended) is read at once.
   */
  async start(): Promise<void> {
    // Every run's channel from now on: a run's first batches are seen running even when they start before the feed adds the run.
    this.unwatchRuns = await this.store.watchAllRuns((id, message) => this.onRunMessage(id, message));
    this.unwatchLogs = await this.store.watchAllRunLogs((id, message) => this.onLog(id, message));
    this.unwatchIndex = await this.store.watchRunIndex(() => this.soon());
    await this.poll();
    this.schedule(this.metricsMs);
  }

  private get metricsMs(): number {
    return Math.min(this.options.metricsMs ?? 100, this.options.pollMs ?? 500);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      let spent = 0;
      // One poll at a time: a call during one runs right after it.
      this.polling = (this.polling ?? Promise.resolve())
        .then(async () => {
          const cpu = process.cpuUsage();
          await this.poll();
          const used = process.cpuUsage(cpu);
          spent = (used.user + used.system) / 1000;
        })
        .finally(() => {
          // A poll that took much CPU (a busy run's thousands of records) spaces the next, so that the dashboard yields to
          // the runs it shares a machine with. CPU, not wall time: a poll waiting on an unreachable Redis does not slow the next.
          if (!this.timer) this.schedule(Math.max(this.metricsMs, Math.min(MAX_SPACED_MS, spent / BUSY_SHARE)));
        });
    }, ms);
  }

  /** Polls now (on an index notice). */
  private soon(): void {
    this.indexDue = true;
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.unwatchIndex?.().catch(() => undefined);
    await this.unwatchRuns?.().catch(() => undefined);
    await this.unwatchLogs?.().catch(() => undefined);
    await this.polling;
    this.live.clear();
    this.early.clear();
    // Workers stop publishing for runs they load from now on (another dashboard marks itself again within its beat).
    if (this.options.markPresence !== false) await this.store.markDashboardWatching(0).catch(() => undefined);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Reads the live runs' new metrics, and the run index when it was written or every `pollMs`. */
  private async poll(): Promise<void> {
    try {
      if (this.options.markPresence !== false && Date.now() - this.lastBeat > PRESENCE_TTL_MS / 3) {
        await this.store.markDashboardWatching(PRESENCE_TTL_MS);
        this.lastBeat = Date.now();
      }
      if (this.indexDue || Date.now() - this.lastListed >= (this.options.pollMs ?? 500)) await this.listIndex();
      await Promise.all([...this.live.values()].map((r) => this.refresh(r)));
    } catch (error) {
      this.log(`dag-dashboard: reading runs from Redis failed: ${(error as Error).message}`);
    }
  }

  private async listIndex(): Promise<void> {
    this.indexDue = false;
    this.lastListed = Date.now();
    const entries = await this.store.listRuns(this.since);
    for (const entry of entries) {
      const live = this.live.get(entry.id);
      if (live) {
        if (entry.status !== "running") {
          // The ended run's entry (its status, end and error) is what a reload of its view starts from.
          live.entry = entry;
          this.ended(live, entry.status, entry.finishedAt, entry.error);
        }
      } else if (!this.seen.has(entry.id)) {
        this.seen.add(entry.id);
        await this.add(entry);
      }
    }
    // Runs older than the oldest live one are settled: the next reads start there.
    const starts = [...this.live.values()].map((r) => r.entry.startedAt);
    const newest = entries.reduce((m, e) => Math.max(m, e.startedAt), this.since);
    this.since = Math.min(newest - 60_000, ...starts);
  }

  /** A run seen for the first time: its graph, then (live) its channel, then what is stored so far. */
  private async add(entry: RunIndexEntry): Promise<void> {
    if (!this.early.has(entry.id)) this.early.set(entry.id, []);
    const meta = entry.status === "running" ? await this.store.getMeta(entry.id) : undefined;
    const { view, names, derived } = await this.viewOf(entry, meta);
    this.server.addRun(view);
    const run: LiveRun = { view, entry, offset: 0, names, derived };
    // A dropped view (the dashboard's memory bound) is made again from the run's metrics while Redis keeps them.
    view.reload = () => this.reloaded(run);
    this.live.set(entry.id, run);
    const early = this.early.get(entry.id);
    this.early.delete(entry.id);
    for (const message of early ?? []) this.onRunMessage(entry.id, message);
    if (!(entry.status === "running" && meta?.status === "running")) {
      this.ended(run, meta && meta.status !== "running" ? meta.status : entry.status === "running" ? "aborted" : entry.status, entry.finishedAt, entry.error);
    }
    await this.refresh(run);
  }

  /** A run's view before any of its tasks: its graph (from its manifest), plan, and readers of its outputs, input and arguments. */
  private async viewOf(entry: RunIndexEntry, meta: StoredRunMeta | undefined): Promise<{ view: RunView; names: (task: string) => string; derived: boolean }> {
    const manifest = await this.manifestOf(entry, meta?.manifest);
    const workflow = manifest?.workflows.find((w) => w.name === entry.workflow);
    const names = (task: string): string => taskNameOf(manifest, task);
    const graph = manifest && workflow ? dashboardGraphOf(manifest, workflow) : graphOfInstances([]);
    const view = new RunView(entry.id, entry.workflow, graph, entry.startedAt, entry.planner, "remote");
    if (entry.plan) view.plan = await this.planOf(entry);
    view.readOutput = async (id) => {
      const [text] = await this.store.readOutputs(entry.id, [id]);
      return text === undefined ? undefined : { value: decodeRemote(text) };
    };
    if (meta && workflow) {
      if (workflow.hasInput) {
        try {
          view.setInput(decodeStored(meta.input, "the run's stored input", DEFAULT_MAX_VALUE_BYTES));
        } catch (error) {
          this.log(`dag-dashboard: run ${entry.id}: ${(error as Error).message}`);
        }
      }
      // Read at each look while the run's keys last (nothing of the input is held meanwhile).
      view.readArguments = async (id) => {
        const [now, lengths] = await Promise.all([this.store.getMeta(entry.id), this.store.getLengths(entry.id)]);
        if (!now) return { note: "not kept: the run ended and its keys are gone" };
        return argumentsOf(workflow, decodeStored(now.input, "the run's stored input", DEFAULT_MAX_VALUE_BYTES), lengths, id);
      };
    }
    return { view, names, derived: !(manifest && workflow) };
  }

  /** An ended run's view made again from its stored metrics (undefined once they expired), as it ended. */
  private async reloaded(run: LiveRun): Promise<RunView | undefined> {
    const records = await this.store.getMetrics(run.entry.id, 0);
    if (records.length === 0) return undefined;
    const { view, names, derived } = await this.viewOf(run.entry, undefined);
    applyRecords(view, names, records);
    if (derived) view.graph = graphOfInstances(view.tasks.values());
    const error = run.entry.error;
    if (error) view.failedWith({ instanceId: error.instanceId, task: error.task, name: names(error.task) }, errorOfRecord(error));
    // Only an ended run is dropped, so its end is known (as its live view showed it).
    if (run.end) view.end(run.end.status, run.end.at);
    return view;
  }

  /** A planned run's plan: its whole report while Redis keeps it, else the index's prediction. */
  private async planOf(entry: RunIndexEntry): Promise<PlanView> {
    const json = await this.store.getPlanReport(entry.id).catch(() => undefined);
    if (json) return planViewOf(JSON.parse(json) as PlanReport);
    const p = entry.plan as NonNullable<RunIndexEntry["plan"]>;
    return {
      planner: entry.planner,
      sla: p.sla,
      predictedMakespanMs: p.predictedMakespanMs,
      predictedGbSeconds: p.predictedGbSeconds,
      ...(p.fallback ? { fallback: p.fallback } : {}),
      criticalPath: [],
      tasks: {},
    };
  }

  private async manifestOf(entry: RunIndexEntry, inline: string | undefined): Promise<ModuleManifest | undefined> {
    if (inline) return JSON.parse(inline) as ModuleManifest;
    const blob = await this.store.getBlob("manifest", entry.manifestHash).catch(() => undefined);
    return blob ? (JSON.parse(blob.toString("utf8")) as ModuleManifest) : undefined;
  }

  /** A message of a run's channel: a status word or task events; kept for a run not added yet. */
  private onRunMessage(runId: string, text: string): void {
    const run = this.live.get(runId);
    if (!run) {
      // A run being added (its entry read, its view not made yet) keeps its messages too.
      if (this.seen.has(runId) && !this.early.has(runId)) return;
      let list = this.early.get(runId);
      if (!list) {
        // Bounded: runs the index never names (another deployment's prefix) do not pile up.
        if (this.early.size >= MAX_EARLY_RUNS) this.early.delete(this.early.keys().next().value as string);
        this.early.set(runId, (list = []));
      }
      if (list.length < MAX_EARLY_MESSAGES) list.push(text);
      return;
    }
    if (!isRunEventMessage(text)) {
      if (text !== "running") this.ended(run, text as RunStatus);
      return;
    }
    this.onMessage(run, text);
  }

  /** A line or notice of a run's log channel: kept with the instance it names (runs not added yet: dropped). */
  private onLog(runId: string, text: string): void {
    const view = this.live.get(runId)?.view ?? this.server.runs.get(runId);
    if (!view) return;
    try {
      view.logs.add(JSON.parse(text) as RunLogMessage);
    } catch {
      // Not a log message: ignore.
    }
  }

  private onMessage(run: LiveRun, text: string): void {
    let message: RunEventMessage;
    try {
      message = JSON.parse(text) as RunEventMessage;
    } catch {
      return;
    }
    for (const wire of message.e) {
      if (wire[0] !== "running") run.view.apply(runEventOf(message, wire, run.names, errorOfRecord));
      else {
        const task = message.t[wire[2]] ?? "?";
        run.view.running({ instanceId: wire[1], task, name: run.names(task), worker: message.w, at: wire[3], attempt: wire[4] });
      }
    }
  }

  private ended(run: LiveRun, status: RunStatus, at?: number, error?: RunErrorRecord): void {
    if (error) run.view.failedWith({ instanceId: error.instanceId, task: error.task, name: run.names(error.task) }, errorOfRecord(error));
    if (run.end) return;
    run.end = { status: status === "running" ? "aborted" : status, at: at ?? Date.now(), seenAt: Date.now() };
    if (status === "failed" && !error) {
      // Read before the client deletes it; the channel's `failed` event (when published) carries the same.
      void this.store.getError(run.entry.id).then(
        (record) => record && run.view.failedWith({ instanceId: record.instanceId, task: record.task, name: run.names(record.task) }, errorOfRecord(record)),
        () => undefined,
      );
    }
  }

  /**
   * Reads the run's new metrics records. A run that ended shows its end at the first read that
   * brings nothing new once {@link END_SETTLE_MS} passed, and is let go once nothing came for
   * {@link METRICS_TAIL_MS}.
   */
  private async refresh(run: LiveRun): Promise<void> {
    const records = await this.store.getMetrics(run.entry.id, run.offset);
    run.offset += records.length;
    applyRecords(run.view, run.names, records);
    if (run.derived && records.length > 0) run.view.graph = graphOfInstances(run.view.tasks.values());
    if (!run.end || records.length > 0) return;
    const now = Date.now();
    if (now - run.end.seenAt < END_SETTLE_MS && now - run.end.at < METRICS_TAIL_MS) return;
    run.view.end(run.end.status, run.end.at);
    if (Date.now() - run.end.seenAt >= METRICS_TAIL_MS) this.live.delete(run.entry.id);
  }
}

/** Applies a run's metrics records (JSON lines) to its view: each row is a finished task's measurements. */
function applyRecords(view: RunView, names: (task: string) => string, records: readonly string[]): void {
  for (const line of records) {
    for (const row of rowsOfRecord(JSON.parse(line) as object)) view.measured(measuresOfRow(row, names(row.task)));
  }
}

/** The error a failed attempt's record names: its name, message and original stack. */
function errorOfRecord(record: RunErrorRecord): Error {
  const error = new Error(record.message);
  error.name = record.name;
  error.stack = record.stack;
  return error;
}
