import type { WorkerRecord } from "./worker-ledger.js";
import type { RunLogLine } from "../store/run-log-channel.js";
import type { GatewayStore } from "../store/gateway-store.js";

/** Where relayed lines go: the gateway's stdout, and each run's log channel on Redis. */
export interface LogRelayOptions {
  /** Writes one finished line (the gateway's stdout by default). */
  write: (line: string) => void;
  /** Publishes lines that belong to a run; undefined to publish nothing. */
  store: GatewayStore | undefined;
}

/**
 * Prefixes every worker line with the worker and the run and task it belongs to, writes it out at
 * once, and publishes it on the run's channel. A line carries its task when the worker wrote it as
 * a `log` event, or when the worker holds exactly one task; with several tasks open and no event,
 * the prefix lists them all.
 */
export class LogRelay {
  readonly #options: LogRelayOptions;

  constructor(options: LogRelayOptions) {
    this.#options = options;
  }

  /** Relays a line of `record`'s output; `owner` is the task that wrote it, when known. */
  relay(record: WorkerRecord, line: string, stream: "out" | "err", owner?: { run: string; task: string }): void {
    const held = [...record.tasks.values()];
    const only = held.length === 1 ? held[0] : undefined;
    const task = owner ?? (only ? { run: only.run, task: only.task } : undefined);
    const where = task ? ` run=${task.run} task=${task.task}` : held.length > 1 ? ` tasks=${held.map((t) => `${t.run}/${t.task}`).join(",")}` : "";
    this.#options.write(`[${record.id}${where}${stream === "err" ? " stderr" : ""}] ${line}`);
    if (task && this.#options.store) {
      const message: RunLogLine = {
        kind: "log",
        run: task.run,
        task: task.task,
        worker: record.id,
        config: record.config,
        stream,
        line,
        ts: Date.now(),
      };
      void this.#options.store.publish(message);
    }
  }

  /** Writes a line of the gateway's own (state changes, reports). */
  notice(text: string): void {
    this.#options.write(`[gateway] ${text}`);
  }
}
