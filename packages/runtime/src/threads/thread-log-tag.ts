/**
 * Imported by the worker-thread entry: under a worker gateway (`TASKLOOM_GATEWAY=1`), the lines a
 * task writes with `console` are tagged with the run and task that wrote them and written at once
 * on fd 1 as `log` events (worker-protocol.ts). Writing synchronously from the thread itself is what
 * makes the lines of a task stuck in an endless loop reach the gateway live: a thread's
 * `process.stdout` only flushes when the thread's event loop turns, which a stuck task never lets it.
 * Elsewhere (local runs, main thread) nothing is changed.
 */
import { isMainThread } from "node:worker_threads";
import { format } from "node:util";
import { emitWorkerEvent } from "../protocol/worker-event-writer.js";

let owner: { run: string; task: string } | undefined;

const METHODS = [
  ["log", "out"],
  ["info", "out"],
  ["debug", "out"],
  ["warn", "err"],
  ["error", "err"],
] as const;

function install(): void {
  for (const [method, stream] of METHODS) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]): void => {
      const current = owner;
      if (!current) {
        original(...args);
        return;
      }
      for (const line of format(...args).split("\n")) emitWorkerEvent({ event: "log", ...current, stream, line });
    };
  }
}

const enabled = process.env.TASKLOOM_GATEWAY === "1" && !isMainThread;
if (enabled) install();

/**
 * Names the task whose `console` lines follow (called by the thread entry before each task);
 * `run` undefined (a local run) leaves lines untagged.
 */
export function ownTaskLogs(run: string | undefined, task: string | undefined): void {
  if (!enabled) return;
  owner = run !== undefined && task !== undefined ? { run, task } : undefined;
}
