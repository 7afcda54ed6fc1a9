import type { ExecutionContext } from "../executor.js";
import { taskNameOf } from "../../protocol/manifest-check.js";
import { runEventOf, type RunEvent, type RunEventMessage } from "../../protocol/run-events.js";
import { ProgressBar } from "../../report/progress-bar.js";
import type { TaskInstance } from "../../scheduling/task-instance.js";
import { remoteRunError } from "./remote-error.js";

/**
 * The client's side of a remote run's task events: decodes the workers' messages from the run's
 * channel into {@link RunEvent}s for `onEvent`, and draws the progress bar from them, as a local
 * run does from its own scheduler.
 */
export class RemoteRunEvents {
  private readonly progress: ProgressBar | undefined;
  private readonly finished = new Set<string>();
  private known: number;
  private readonly names = new Map<string, string>();

  /** @param known - task instances known at submission. */
  constructor(
    private readonly ctx: ExecutionContext,
    known: number,
  ) {
    this.known = known;
    const p = ctx.options.progress;
    this.progress = p ? new ProgressBar(`${ctx.workflow.className}.${ctx.workflow.name}`, p) : undefined;
  }

  /** Whether anyone in this process listens (then workers are asked to publish). */
  get wanted(): boolean {
    return this.ctx.options.onEvent !== undefined || this.progress !== undefined;
  }

  private nameOf = (task: string): string => {
    let name = this.names.get(task);
    if (name === undefined) this.names.set(task, (name = taskNameOf(this.ctx.manifest, task)));
    return name;
  };

  private emit(event: RunEvent): void {
    this.ctx.options.onEvent?.(event);
  }

  /** The roots the client seeds are queued. */
  queued(roots: readonly Pick<TaskInstance, "id" | "task">[], at = Date.now()): void {
    if (this.ctx.options.onEvent) for (const r of roots) this.emit({ type: "queued", instanceId: r.id, task: r.task, name: this.nameOf(r.task), at });
    this.progress?.update(0, this.known);
  }

  /** One message of the run's channel (JSON of a {@link RunEventMessage}). */
  onMessage = (text: string): void => {
    let message: RunEventMessage;
    try {
      message = JSON.parse(text) as RunEventMessage;
    } catch {
      return;
    }
    this.known += message.k ?? 0;
    const lookup = { workflow: this.ctx.workflow, instance: () => undefined, taskName: this.nameOf };
    for (const wire of message.e) {
      if (wire[0] === "running") continue;
      if (wire[0] === "finished") this.finished.add(wire[1]);
      if (this.ctx.options.onEvent) this.emit(runEventOf(message, wire, this.nameOf, (record) => remoteRunError(record, lookup)));
    }
    this.progress?.update(this.finished.size, Math.max(this.known, this.finished.size));
  };

  /** The run ended: the progress bar's last line. */
  finish(failed: boolean): void {
    this.progress?.finish(this.finished.size, Math.max(this.known, this.finished.size), failed);
  }
}
