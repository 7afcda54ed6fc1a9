import { formatWorkerEvent } from "./worker-protocol.js";

const START = /^run (\S+) task (\S+) start$/;
const END = /^run (\S+) task (\S+) end$/;
const FAILED = /^run (\S+) task (\S+) \([^)]*\) failed: /;

/**
 * Turns one log line of the remote runtime's worker into the lines the gateway reads: protocol
 * events for task starts, ends and failures (a failure keeps its line, then ends the task), and
 * the line itself otherwise.
 */
export function translateWorkerLog(line: string): string[] {
  let match = START.exec(line);
  if (match) return [formatWorkerEvent({ event: "task-start", run: match[1]!, task: match[2]! })];
  match = END.exec(line);
  if (match) return [formatWorkerEvent({ event: "task-end", run: match[1]!, task: match[2]!, ok: true })];
  match = FAILED.exec(line);
  if (match) return [line, formatWorkerEvent({ event: "task-end", run: match[1]!, task: match[2]!, ok: false })];
  return [line];
}
