import type { RunLogMessage } from "../store/run-log-channel.js";

/** One line the inspector shows for a task instance: a line its worker wrote, or a gateway notice. */
export interface TaskLogLine {
  /** Epoch ms when the gateway read it. */
  at: number;
  stream: "out" | "err" | "notice";
  line: string;
  worker: string;
}

/** Lines kept per instance, and per run. */
const PER_INSTANCE = 200;
const PER_RUN = 20_000;

/**
 * The log lines of a run's task instances, from the run's log channel (a worker gateway relays
 * its workers' lines there, each with the instance it belongs to). Bounded: the first
 * {@link PER_INSTANCE} lines of an instance and {@link PER_RUN} of a run; `dropped` counts the rest.
 */
export class TaskLogs {
  private readonly byInstance = new Map<string, TaskLogLine[]>();
  private kept = 0;
  dropped = 0;

  /** Adds what one message of the log channel says (lines and notices naming an instance). */
  add(message: RunLogMessage): void {
    const line: TaskLogLine =
      message.kind === "log"
        ? { at: message.ts, stream: message.stream, line: message.line, worker: message.worker }
        : { at: message.ts, stream: "notice", line: `${message.kind === "stalled" ? "stalled" : message.reason}: ${message.message}`, worker: message.worker };
    let list = this.byInstance.get(message.task);
    if (!list) this.byInstance.set(message.task, (list = []));
    if (list.length >= PER_INSTANCE || this.kept >= PER_RUN) {
      this.dropped++;
      return;
    }
    list.push(line);
    this.kept++;
  }

  /** The lines kept of one instance, oldest first. */
  of(instanceId: string): TaskLogLine[] {
    return this.byInstance.get(instanceId) ?? [];
  }
}
