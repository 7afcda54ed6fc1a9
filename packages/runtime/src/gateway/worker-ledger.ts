/**
 * The gateway's ledger: one record per worker process it ever started, with its state and the
 * tasks it holds. Only the ledger changes a worker's state, so "busy" has exactly one owner.
 *
 * States: `started` (spawned, not yet reading its queue) → `ready` (reading, no task yet) →
 * `busy` (holds at least one task) ⇄ `idle` (holds none) → `stopping` (asked to exit) → `exited`.
 */
export type WorkerState = "started" | "ready" | "busy" | "idle" | "stopping" | "exited";

/** A task a worker is running. */
export interface HeldTask {
  readonly run: string;
  readonly task: string;
  readonly name: string | undefined;
  /** When the task started (epoch ms). */
  readonly since: number;
  readonly timeoutMs: number | undefined;
  readonly attempt: number | undefined;
  readonly retries: number | undefined;
}

/** One worker process. Mutated by {@link WorkerLedger} only. */
export interface WorkerRecord {
  /** `<configuration>#<n>`, also passed to the worker as `--worker-id`. */
  readonly id: string;
  readonly config: string;
  readonly pid: number;
  /** The worker's `--concurrency`: it must never hold more tasks than this. */
  readonly concurrency: number;
  state: WorkerState;
  readonly startedAt: number;
  readyAt: number | undefined;
  /** Spawn → ready, in milliseconds: the cold start. */
  coldStartMs: number | undefined;
  /** Since when the worker holds no task (epoch ms); undefined while busy. */
  idleSince: number | undefined;
  readonly tasks: Map<string, HeldTask>;
  tasksDone: number;
  /** The most tasks held at once. */
  maxHeld: number;
  /** Last task start or end (epoch ms): the watchdog's notion of progress. */
  lastProgressAt: number;
  /** Whether the current stall was already reported. */
  stalled: boolean;
  /** Why the gateway stopped it: `keep-alive`, `timeout`, `shutdown`, ... */
  stopReason: string | undefined;
  exitCode: number | null;
  exitSignal: string | null;
  exitedAt: number | undefined;
  /** Whether the worker died of a V8 heap limit. */
  outOfMemory: boolean;
  /** The CPU quota in force for it (`cgroup v1 cpu.cfs_quota_us 50000/100000 (…)`, `not enforced: …`), or null without `cpus`. */
  cpuQuota: string | null;
  /** Pre-warm: the run whose plan asked for it (it was started before work needed it). */
  prewarmedFor?: string;
}

/** A JSON-friendly copy of a record, as `dag-gateway status` prints it. */
export interface WorkerSnapshot {
  id: string;
  config: string;
  pid: number;
  state: WorkerState;
  concurrency: number;
  startedAt: string;
  coldStartMs: number | null;
  cpuQuota: string | null;
  tasks: { run: string; task: string; name: string | null; runningMs: number }[];
  tasksDone: number;
  maxHeld: number;
  stalled: boolean;
  stopReason: string | null;
  exitCode: number | null;
  exitSignal: string | null;
  outOfMemory: boolean;
}

const KEEP_EXITED = 500;

function taskKey(run: string, task: string): string {
  return `${run}/${task}`;
}

/** The ledger of every worker of one gateway. */
export class WorkerLedger {
  readonly #records = new Map<string, WorkerRecord>();
  /** Task starts that would have exceeded a worker's concurrency (must stay 0). */
  overCommits = 0;

  /** Registers a freshly spawned worker in state `started`. */
  add(id: string, config: string, pid: number, concurrency: number, now = Date.now(), cpuQuota: string | null = null): WorkerRecord {
    const record: WorkerRecord = {
      id,
      config,
      pid,
      concurrency,
      state: "started",
      startedAt: now,
      readyAt: undefined,
      coldStartMs: undefined,
      cpuQuota,
      idleSince: undefined,
      tasks: new Map(),
      tasksDone: 0,
      maxHeld: 0,
      lastProgressAt: now,
      stalled: false,
      stopReason: undefined,
      exitCode: null,
      exitSignal: null,
      exitedAt: undefined,
      outOfMemory: false,
    };
    this.#records.set(id, record);
    this.#trim();
    return record;
  }

  get(id: string): WorkerRecord | undefined {
    return this.#records.get(id);
  }

  /** Workers not yet exited, optionally of one configuration. */
  live(config?: string): WorkerRecord[] {
    return [...this.#records.values()].filter((r) => r.state !== "exited" && (config === undefined || r.config === config));
  }

  all(): WorkerRecord[] {
    return [...this.#records.values()];
  }

  markReady(record: WorkerRecord, now = Date.now()): void {
    if (record.state !== "started") return;
    record.state = "ready";
    record.readyAt = now;
    record.coldStartMs = now - record.startedAt;
    record.idleSince = now;
  }

  /**
   * Records a task start. Returns false when it exceeds the worker's concurrency: the start is
   * still recorded (the worker did take it) and counted in {@link overCommits}.
   */
  taskStart(record: WorkerRecord, task: Omit<HeldTask, "since">, now = Date.now()): boolean {
    if (record.state === "started") this.markReady(record, now);
    record.tasks.set(taskKey(task.run, task.task), { ...task, since: now });
    record.maxHeld = Math.max(record.maxHeld, record.tasks.size);
    record.lastProgressAt = now;
    record.stalled = false;
    record.idleSince = undefined;
    if (record.state !== "stopping") record.state = "busy";
    const within = record.tasks.size <= record.concurrency;
    if (!within) this.overCommits += 1;
    return within;
  }

  /** Records a task end; the worker turns idle when it holds nothing more. */
  taskEnd(record: WorkerRecord, run: string, task: string, now = Date.now()): void {
    if (!record.tasks.delete(taskKey(run, task))) return;
    record.tasksDone += 1;
    record.lastProgressAt = now;
    record.stalled = false;
    if (record.tasks.size === 0) {
      record.idleSince = now;
      if (record.state === "busy") record.state = "idle";
    }
  }

  /**
   * Forgets the tasks of a worker that, by its queue, holds no work any more (a missed end event,
   * or a run that ended and took its hand-offs out before the worker's end event came): they count as done.
   */
  clearTasks(record: WorkerRecord, now = Date.now()): void {
    record.tasksDone += record.tasks.size;
    record.tasks.clear();
    record.idleSince = now;
    record.stalled = false;
    if (record.state === "busy") record.state = "idle";
  }

  markStopping(record: WorkerRecord, reason: string): void {
    if (record.state === "exited" || record.state === "stopping") return;
    record.state = "stopping";
    record.stopReason = reason;
  }

  markExited(record: WorkerRecord, code: number | null, signal: string | null, now = Date.now()): void {
    record.state = "exited";
    record.exitCode = code;
    record.exitSignal = signal;
    record.exitedAt = now;
    record.idleSince = undefined;
  }

  /** The whole ledger as JSON-friendly objects, live workers first. */
  snapshot(now = Date.now()): WorkerSnapshot[] {
    const order = (r: WorkerRecord): number => (r.state === "exited" ? 1 : 0);
    return this.all()
      .sort((a, b) => order(a) - order(b) || a.startedAt - b.startedAt)
      .map((r) => ({
        id: r.id,
        config: r.config,
        pid: r.pid,
        state: r.state,
        concurrency: r.concurrency,
        startedAt: new Date(r.startedAt).toISOString(),
        coldStartMs: r.coldStartMs ?? null,
        cpuQuota: r.cpuQuota,
        tasks: [...r.tasks.values()].map((t) => ({ run: t.run, task: t.task, name: t.name ?? null, runningMs: now - t.since })),
        tasksDone: r.tasksDone,
        maxHeld: r.maxHeld,
        stalled: r.stalled,
        stopReason: r.stopReason ?? null,
        exitCode: r.exitCode,
        exitSignal: r.exitSignal,
        outOfMemory: r.outOfMemory,
      }));
  }

  #trim(): void {
    const exited = this.all().filter((r) => r.state === "exited");
    for (const r of exited.slice(0, Math.max(0, exited.length - KEEP_EXITED))) this.#records.delete(r.id);
  }
}
