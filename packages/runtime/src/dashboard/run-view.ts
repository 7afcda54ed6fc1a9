import { previewValue, type ValuePreview } from "../codec/value-preview.js";
import type { RunEvent } from "../protocol/run-events.js";
import type { DashboardGraph } from "./dashboard-graph.js";
import type { TaskArguments } from "./task-arguments.js";
import { MeasuredSpans, type PlanView } from "./run-plan-view.js";
import { TaskLogs } from "./task-logs.js";
import { nodeOfInstance } from "./dashboard-graph.js";

/** States a task instance shows on the dashboard. */
export type TaskViewState = "waiting" | "ready" | "running" | "done" | "failed" | "retrying" | "skipped";

/** One task instance as `GET /api/runs/<id>` and the event stream report it. */
export interface TaskView {
  instanceId: string;
  /** Compiled node it belongs to. */
  node: string;
  task: string;
  name: string;
  state: TaskViewState;
  worker?: string;
  thread?: number;
  attempt: number;
  queuedAt?: number;
  startedAt?: number;
  endedAt?: number;
  /**
   * The error of the failed attempt: name, message, the original stack, and the task's error's own
   * fields (its `code` and custom properties) as a {@link ValuePreview} when it has any.
   */
  error?: { name: string; message: string; stack: string; fields?: ValuePreview };
  /** Measured once it finished (remote metrics, or a local run's report): reading its inputs, ms. */
  fetchMs?: number;
  /** Encoding and storing its output, ms. */
  storeMs?: number;
  inputBytes?: number;
  outputBytes?: number;
  /** Bytes of its inputs read from Redis, and of its output written there. */
  redisInputBytes?: number;
  storedBytes?: number;
  /** The first task of a fresh worker or thread. */
  cold?: boolean;
  /** Worker group (configuration) it ran in; `local` in a local run. */
  configuration?: string;
  /** Memory of the worker it ran on (MB; remote runs), for the run's GB-s. */
  memoryMb?: number;
}

/** What a finished task's measurements add to its view (a metrics row or a report's task). */
export interface TaskMeasures {
  instanceId: string;
  task: string;
  name: string;
  worker: string | undefined;
  thread: number | undefined;
  attempt: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  fetchMs: number;
  storeMs: number;
  inputBytes: number;
  outputBytes: number;
  redisInputBytes: number;
  storedBytes: number;
  cold: boolean;
  configuration: string;
  memoryMb?: number;
  /** A failed task's error text (reports only keep the message). */
  error?: string;
}

/**
 * A task's view with every field it may get (undefined until known, which JSON leaves out): one
 * object shape for all of them, filled in place as events and metrics arrive, instead of a shape
 * change (and a larger property store) per field added to each of a run's thousands of tasks.
 */
function newTaskView(instanceId: string, task: string, name: string): TaskView {
  return {
    instanceId,
    node: nodeOfInstance(instanceId),
    task,
    name,
    state: "waiting",
    worker: undefined,
    thread: undefined,
    attempt: 0,
    queuedAt: undefined,
    startedAt: undefined,
    endedAt: undefined,
    error: undefined,
    fetchMs: undefined,
    storeMs: undefined,
    inputBytes: undefined,
    outputBytes: undefined,
    redisInputBytes: undefined,
    storedBytes: undefined,
    cold: undefined,
    configuration: undefined,
    memoryMb: undefined,
  };
}

/** Bound of a failed task's error fields preview (characters of JSON). */
const FIELDS_PREVIEW_SIZE = 2048;

/** The own fields of a task's error beyond name, message and stack (`code`, custom properties), if any. */
function ownFields(cause: unknown): Record<string, unknown> | undefined {
  if (typeof cause !== "object" || cause === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(cause)) if (k !== "name" && k !== "message" && k !== "stack") out[k] = (cause as Record<string, unknown>)[k];
  return Object.keys(out).length > 0 ? out : undefined;
}

export type RunViewStatus = "running" | "done" | "failed" | "aborted";

/** A run as `GET /api/runs` lists it. */
export interface RunSummaryView {
  id: string;
  workflow: string;
  status: RunViewStatus;
  startedAt: number;
  makespanMs: number | undefined;
  tasks: { total: number; done: number; failed: number };
  planner: string;
  source: "local" | "remote" | "history";
  /** GB-s of what ran so far (the run's cost once it ended); absent when not known (a local run's before its report). */
  gbSeconds?: number;
  /** A planned run's prediction. */
  predicted?: { makespanMs: number; gbSeconds: number; sla: string; fallback?: string };
}

/** What one SSE message carries: the tasks changed since the previous one, and the run's summary. */
export interface RunUpdate {
  seq: number;
  run: RunSummaryView;
  tasks: TaskView[];
}

/**
 * The live state of one run: its graph and every task instance, fed with {@link RunEvent}s. Every
 * change stamps the task with a sequence number, so that a reader that saw up to `n` gets exactly
 * the tasks changed since (`changesSince(n)`): a reconnect resumes without loss. The counts and
 * the cost are kept as tasks change, and a log of changes in sequence order makes
 * `changesSince(n)` cost the changes since `n`, not the run's size: a 10,000-task run streams at
 * 10 updates per second.
 */
export class RunView {
  readonly tasks = new Map<string, TaskView>();
  status: RunViewStatus = "running";
  endedAt: number | undefined;
  /** The run's input, as a preview (the JSON form with types, bounded). */
  input: ValuePreview | undefined;
  /** The run's result once it is done, as a preview. */
  output: ValuePreview | undefined;
  seq = 0;
  /** A planned run's plan (the whole report when it is read; the index's prediction alone until then). */
  plan: PlanView | undefined;
  /** Its instances' log lines (a remote run whose workers a gateway runs). */
  logs = new TaskLogs();
  /**
   * Rebuilds the view of an ended run whose tasks were dropped ({@link dropTasks}) from where its
   * feed reads it (Redis while the run's metrics last, the history store); undefined when it cannot.
   */
  reload: (() => Promise<RunView | undefined>) | undefined;
  /** When a page or the API last asked for its detail (ms since the epoch; 0: never): the dashboard drops the least recently looked at first. */
  lastLookedAt = 0;
  /** Set once its tasks were dropped: the summary they gave. */
  private kept: { total: number; done: number; failed: number; gbSeconds: number | undefined } | undefined;
  /** The run's cost from its report (local and history runs); else computed from the tasks' workers. */
  knownGbSeconds: number | undefined;
  /** Reads a task's output where the run keeps it (a live remote run's outputs in Redis); undefined when not kept. */
  readOutput: ((instanceId: string) => Promise<{ value: unknown } | undefined>) | undefined;
  /** Works out a task's call arguments from the run's input (see task-arguments.ts); undefined when the run's input is not kept. */
  readArguments: ((instanceId: string) => Promise<TaskArguments>) | undefined;
  private readonly changedAt = new Map<string, number>();
  /** Every change in sequence order (instance id, its sequence number); compacted when mostly stale. */
  private changeIds: string[] = [];
  private changeSeqs: number[] = [];
  private readonly listeners = new Set<() => void>();
  private done = 0;
  private failed = 0;
  private readonly spans = new MeasuredSpans();

  constructor(
    readonly id: string,
    readonly workflow: string,
    public graph: DashboardGraph,
    readonly startedAt: number,
    readonly planner: string,
    readonly source: RunSummaryView["source"],
  ) {}

  private touch(task: TaskView): void {
    if (this.kept) return;
    const seq = ++this.seq;
    this.changedAt.set(task.instanceId, seq);
    this.changeIds.push(task.instanceId);
    this.changeSeqs.push(seq);
    if (this.changeIds.length > 2 * this.changedAt.size + 1024) this.compactChanges();
    for (const l of this.listeners) l();
  }

  /** Keeps each task's last change only, in sequence order. */
  private compactChanges(): void {
    const ids: string[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.changeIds.length; i++) {
      const id = this.changeIds[i] as string;
      if (this.changedAt.get(id) === this.changeSeqs[i]) {
        ids.push(id);
        seqs.push(this.changeSeqs[i] as number);
      }
    }
    this.changeIds = ids;
    this.changeSeqs = seqs;
  }

  /** Moves a task to `state`, keeping the done and failed counts. */
  private setState(t: TaskView, state: TaskViewState): void {
    if (t.state === state) return;
    if (t.state === "done") this.done--;
    else if (t.state === "failed") this.failed--;
    if (state === "done") this.done++;
    else if (state === "failed") this.failed++;
    t.state = state;
  }

  private taskOf(event: { instanceId: string; task: string; name: string }): TaskView {
    let t = this.tasks.get(event.instanceId);
    // A dropped run is frozen at its summary (a late metrics record is in what a reload reads): nothing is added back.
    if (!t && this.kept) return newTaskView(event.instanceId, event.task, event.name);
    if (!t) {
      t = newTaskView(event.instanceId, event.task, event.name);
      this.tasks.set(event.instanceId, t);
    }
    return t;
  }

  /** Applies what was measured of a finished (or failed) task: its times, place, bytes and segments. */
  measured(m: TaskMeasures): void {
    const t = this.taskOf(m);
    if (t.state !== "failed") this.setState(t, m.error !== undefined ? "failed" : "done");
    if (m.error !== undefined && !t.error) t.error = { name: "Error", message: m.error, stack: "" };
    if (m.worker !== undefined) t.worker = m.worker;
    if (m.thread !== undefined) t.thread = m.thread;
    t.attempt = Math.max(t.attempt, m.attempt);
    if (m.startedAt !== undefined) t.startedAt = m.startedAt;
    if (m.endedAt !== undefined) t.endedAt = m.endedAt;
    t.fetchMs = m.fetchMs;
    t.storeMs = m.storeMs;
    t.inputBytes = m.inputBytes;
    t.outputBytes = m.outputBytes;
    t.redisInputBytes = m.redisInputBytes;
    t.storedBytes = m.storedBytes;
    t.cold = m.cold;
    t.configuration = m.configuration;
    if (m.memoryMb !== undefined) t.memoryMb = m.memoryMb;
    this.spans.add(t);
    this.touch(t);
  }

  /** Applies one task event. */
  apply(event: RunEvent): void {
    const t = this.taskOf(event);
    switch (event.type) {
      case "queued":
        if (t.state === "waiting") this.setState(t, "ready");
        t.queuedAt = event.at;
        break;
      case "started":
        if (t.state !== "done") this.setState(t, "running");
        t.worker = event.worker;
        t.thread = event.thread;
        t.attempt = event.attempt;
        t.startedAt = event.at;
        break;
      case "finished":
        this.setState(t, "done");
        t.worker = event.worker;
        t.thread = event.thread;
        t.attempt = event.attempt;
        t.startedAt = event.at - event.durationMs;
        t.endedAt = event.at;
        break;
      case "failed": {
        this.setState(t, event.final ? "failed" : "retrying");
        t.attempt = event.attempt;
        t.endedAt = event.at;
        if (event.worker !== undefined) t.worker = event.worker;
        const e = event.error as Error & { originalStack?: string; originalName?: string; originalMessage?: string };
        const fields = ownFields(e.cause);
        t.error = {
          name: e.originalName ?? e.name,
          message: e.originalMessage ?? e.message,
          stack: e.originalStack ?? e.stack ?? "",
          ...(fields ? { fields: previewValue(fields, FIELDS_PREVIEW_SIZE) } : {}),
        };
        break;
      }
      case "retrying":
        this.setState(t, "retrying");
        break;
      case "skipped":
        this.setState(t, "skipped");
        break;
    }
    if (t.memoryMb !== undefined) this.spans.add(t);
    this.touch(t);
  }

  /** A remote batch holding the instance began on `worker` (its thread is known when it returns). */
  running(event: { instanceId: string; task: string; name: string; worker: string; at: number; attempt: number }): void {
    const t = this.taskOf(event);
    if (t.state === "done" || t.state === "failed") return;
    this.setState(t, "running");
    t.worker = event.worker;
    t.attempt = event.attempt;
    t.startedAt = event.at;
    this.touch(t);
  }

  /** The final failure of an instance, known from the run's error record. */
  failedWith(task: { instanceId: string; task: string; name: string }, error: Error): void {
    const t = this.taskOf(task);
    if (t.state === "failed" && t.error?.stack) return;
    this.setState(t, "failed");
    t.error = { name: error.name, message: error.message, stack: error.stack ?? "" };
    this.touch(t);
  }

  /** Sets the run's plan (a change: the page redraws its predictions). */
  setPlan(plan: PlanView): void {
    this.plan = plan;
    this.seq++;
    for (const l of this.listeners) l();
  }

  /** The run's input, shown as a bounded preview. */
  setInput(value: unknown): void {
    this.input = previewValue(value);
  }

  /** The run ended; `output` is its result when it is done. */
  end(status: Exclude<RunViewStatus, "running">, at = Date.now(), output?: { value: unknown }): void {
    if (this.status !== "running") return;
    this.status = status;
    if (output) this.output = previewValue(output.value);
    this.endedAt = at;
    this.seq++;
    for (const l of this.listeners) l();
  }

  /** Whether its tasks were dropped to bound the dashboard's memory (its summary stays). */
  get dropped(): boolean {
    return this.kept !== undefined;
  }

  /**
   * Forgets an ended run's tasks, their changes and log lines, keeping its summary (counts, cost,
   * makespan, plan): what a dashboard keeps of its older runs, so that its memory stays bounded
   * however long it watches a busy deployment. A running run is never dropped.
   */
  dropTasks(): void {
    if (this.status === "running" || this.kept) return;
    this.kept = { total: this.tasks.size, done: this.done, failed: this.failed, gbSeconds: this.knownGbSeconds ?? this.spans.gbSeconds() };
    this.tasks.clear();
    this.changedAt.clear();
    this.changeIds = [];
    this.changeSeqs = [];
    this.logs = new TaskLogs();
  }

  summary(): RunSummaryView {
    const done = this.kept?.done ?? this.done;
    const failed = this.kept?.failed ?? this.failed;
    const gbSeconds = this.kept ? this.kept.gbSeconds : (this.knownGbSeconds ?? this.spans.gbSeconds());
    return {
      id: this.id,
      workflow: this.workflow,
      status: this.status,
      startedAt: this.startedAt,
      makespanMs: this.endedAt === undefined ? undefined : this.endedAt - this.startedAt,
      tasks: { total: this.kept?.total ?? this.tasks.size, done, failed },
      planner: this.planner,
      source: this.source,
      ...(gbSeconds !== undefined ? { gbSeconds } : {}),
      ...(this.plan
        ? {
            predicted: {
              makespanMs: this.plan.predictedMakespanMs,
              gbSeconds: this.plan.predictedGbSeconds,
              sla: this.plan.sla,
              ...(this.plan.fallback ? { fallback: this.plan.fallback } : {}),
            },
          }
        : {}),
    };
  }

  /** The tasks changed after sequence number `since` (all with 0), and the current summary. */
  changesSince(since: number): RunUpdate {
    const tasks: TaskView[] = [];
    const ids = this.changeIds;
    const seqs = this.changeSeqs;
    // The first change after `since` (binary search), then each task at its last change only.
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((seqs[mid] as number) > since) hi = mid;
      else lo = mid + 1;
    }
    for (let i = lo; i < ids.length; i++) {
      const id = ids[i] as string;
      if (this.changedAt.get(id) === seqs[i]) tasks.push(this.tasks.get(id) as TaskView);
    }
    return { seq: this.seq, run: this.summary(), tasks };
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Where feeds put the runs they read: a dashboard server, or an export's collection. */
export interface RunSink {
  addRun(view: RunView): void;
  readonly runs: ReadonlyMap<string, RunView>;
}
