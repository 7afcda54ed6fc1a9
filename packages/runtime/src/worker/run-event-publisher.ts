import type { RunErrorRecord } from "../protocol/run-error-record.js";
import type { RunEventMessage, WireRunEvent, WireRunningEvent } from "../protocol/run-events.js";
import { METRICS_STRIDE } from "../protocol/thread-messages.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { RunStore } from "../store/run-store.js";
import type { WorkerRun } from "./worker-run-cache.js";

interface Pending {
  run: WorkerRun;
  tasks: string[];
  index: Map<string, number>;
  events: (WireRunEvent | WireRunningEvent)[];
  created: number;
  stored: string[];
}

/**
 * A worker's task events (protocol/run-events.ts), published on each run's task-event channel only
 * when someone listens (`events`), one message per run per tick: a 1,000-task batch is one
 * PUBLISH, and a run nobody watches costs one boolean check per call. With a dashboard alone
 * (no client asked for events), the started and finished events are left out: the dashboard reads
 * them from the metrics records. Stored-output notices go on the run's status channel.
 */
export class RunEventPublisher {
  private readonly pending = new Map<string, Pending>();
  private scheduled = false;

  constructor(
    private readonly store: RunStore,
    private readonly worker: string,
    private readonly log: (line: string) => void,
  ) {}

  private add(run: WorkerRun, task: string, make: (t: number) => WireRunEvent | WireRunningEvent): void {
    const p = this.of(run);
    let t = p.index.get(task);
    if (t === undefined) p.index.set(task, (t = p.tasks.push(task) - 1));
    p.events.push(make(t));
  }

  private of(run: WorkerRun): Pending {
    let p = this.pending.get(run.runId);
    if (!p) {
      p = { run, tasks: [], index: new Map(), events: [], created: 0, stored: [] };
      this.pending.set(run.runId, p);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  /** `insts` became ready (claimed by a chain here, or handed off). */
  queued(run: WorkerRun, insts: readonly TaskInstance[], at = Date.now()): void {
    if (!run.events) return;
    for (const inst of insts) this.add(run, inst.task, (t) => ["queued", inst.id, t, at]);
  }

  /**
   * A batch of `insts` begins on a thread: published with the tick's other events (one message
   * per batch start, not per task), so that a dashboard shows them running.
   */
  running(run: WorkerRun, insts: readonly TaskInstance[], attempt: (i: number) => number, at = Date.now()): void {
    if (!run.events) return;
    for (let i = 0; i < insts.length; i++) {
      const inst = insts[i]!;
      this.add(run, inst.task, (t) => ["running", inst.id, t, at, attempt(i)]);
    }
  }

  /**
   * The completed prefix of a batch ran: a started and a finished event each, with the times
   * measured on the thread (`metrics`, see thread-messages.ts).
   */
  ran(run: WorkerRun, insts: readonly TaskInstance[], metrics: Float64Array, thread: number, attempt: (i: number) => number): void {
    if (!run.clientEvents) return;
    insts.forEach((inst, i) => {
      const started = metrics[i * METRICS_STRIDE] ?? 0;
      const finished = metrics[i * METRICS_STRIDE + 1] ?? started;
      const n = attempt(i);
      this.add(run, inst.task, (t) => ["started", inst.id, t, started, thread, n]);
      this.add(run, inst.task, (t) => ["finished", inst.id, t, finished, thread, n, finished - started]);
    });
  }

  /** An attempt of `inst` failed; `final` when the run fails with it. */
  failed(run: WorkerRun, inst: TaskInstance, attempt: number, final: boolean, record: RunErrorRecord, thread: number): void {
    if (!run.events) return;
    this.add(run, inst.task, (t) => ["failed", inst.id, t, Date.now(), thread, attempt, final ? 1 : 0, record]);
  }

  /** `inst` runs again (attempt `attempt`) after `delayMs`. */
  retrying(run: WorkerRun, inst: TaskInstance, attempt: number, delayMs: number): void {
    if (!run.events) return;
    this.add(run, inst.task, (t) => ["retrying", inst.id, t, Date.now(), attempt, delayMs]);
  }

  /** An expansion here created `count` task instances (the client's progress bar counts them). */
  expanded(run: WorkerRun, count: number): void {
    if (!run.events || count === 0) return;
    this.of(run).created += count;
  }

  /** Outputs of `ids` were stored and a pre-loading worker may wait for them (sent even when nobody listens to task events). */
  stored(run: WorkerRun, ids: readonly string[]): void {
    if (ids.length > 0) this.of(run).stored.push(...ids);
  }

  /**
   * Publishes what is pending (of one run, or of all). Called before a completion is recorded,
   * so that a run's `done` or `failed` always follows its last task events on the channel.
   */
  flush(run?: WorkerRun): void {
    if (!run) this.scheduled = false;
    const list = run ? [this.pending.get(run.runId)].filter((p) => p !== undefined) : [...this.pending.values()];
    for (const p of list) {
      this.pending.delete(p.run.runId);
      const fail = (error: Error): void => this.log(`run ${p.run.runId}: cannot publish events: ${error.message}`);
      if (p.stored.length > 0) {
        const notice: RunEventMessage = { w: this.worker, t: [], e: [], s: p.stored };
        this.store.publishNotice(p.run.runId, JSON.stringify(notice)).catch(fail);
      }
      if (p.events.length === 0 && p.created === 0) continue;
      const message: RunEventMessage = { w: this.worker, t: p.tasks, e: p.events, ...(p.created > 0 ? { k: p.created } : {}) };
      this.store.publishEvents(p.run.runId, JSON.stringify(message)).catch(fail);
    }
  }
}
