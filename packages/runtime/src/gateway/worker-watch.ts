import type { ResourceConfiguration } from "./gateway-config.js";
import type { RunStallNotice, RunTaskFailure } from "../store/run-log-channel.js";
import type { HeldTask, WorkerRecord } from "./worker-ledger.js";
import type { WorkerPoolContext } from "./worker-pool.js";

/** What the watch may do to a worker. */
export interface WorkerWatchActions {
  stop(record: WorkerRecord, reason: string, signal: NodeJS.Signals): void;
  fail(record: WorkerRecord, task: HeldTask, reason: RunTaskFailure["reason"], message: string): Promise<void>;
}

function label(task: HeldTask): string {
  return `task ${task.name ?? task.task} (run ${task.run}, task ${task.task})`;
}

/**
 * The progress watchdog of one configuration: reports a busy worker that finished no task for
 * `stallMs` (once per stall), and kills a worker whose task overran its `timeoutMs` by more than
 * `timeoutGraceMs`, after recording the timeout for the runtime. The killed worker's unfinished
 * entries stay pending in the queue and are claimed again under the remote runtime's lease rules.
 */
export class WorkerWatch {
  readonly #config: ResourceConfiguration;
  readonly #context: WorkerPoolContext;
  readonly #actions: WorkerWatchActions;
  /** Workers being stopped for a timeout: a check that runs while the failure is being recorded skips them. */
  readonly #timingOut = new WeakSet<WorkerRecord>();

  constructor(config: ResourceConfiguration, context: WorkerPoolContext, actions: WorkerWatchActions) {
    this.#config = config;
    this.#context = context;
    this.#actions = actions;
  }

  async check(workers: readonly WorkerRecord[], now: number): Promise<void> {
    const { settings } = this.#context;
    for (const record of workers) {
      if (record.tasks.size === 0 || record.state === "stopping" || this.#timingOut.has(record)) continue;
      const overdue = [...record.tasks.values()].find((t) => t.timeoutMs !== undefined && now - t.since > t.timeoutMs + settings.timeoutGraceMs);
      if (overdue) {
        const message =
          `${label(overdue)} exceeded its timeoutMs of ${overdue.timeoutMs} ms on worker ${record.id} ` +
          `(configuration "${this.#config.name}"); the gateway stopped the worker`;
        this.#timingOut.add(record);
        await this.#actions.fail(record, overdue, "timeout", message).catch(() => undefined);
        this.#actions.stop(record, "timeout", "SIGKILL");
        continue;
      }
      if (!record.stalled && now - record.lastProgressAt >= settings.stallMs) {
        record.stalled = true;
        this.#reportStall(record, now);
      }
    }
  }

  #reportStall(record: WorkerRecord, now: number): void {
    const held = [...record.tasks.values()];
    const text = `${record.id} made no progress for ${now - record.lastProgressAt} ms, holding ${held.map(label).join(", ")}`;
    this.#context.relay.notice(`STALLED: ${text}`);
    for (const task of held) {
      const notice: RunStallNotice = {
        kind: "stalled",
        run: task.run,
        task: task.task,
        worker: record.id,
        config: record.config,
        message: text,
        ts: now,
      };
      void this.#context.records.publish(notice);
    }
  }
}
