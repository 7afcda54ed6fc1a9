import type { RunSummaryView, RunUpdate, TaskView } from "./run-view.js";

/**
 * The fields of a task in an event-stream update, in the order of each row. The ones in
 * {@link SHARED_FIELDS} hold an index into the message's `strings` (ids that repeat across tasks:
 * a 10,000-task run names a few workers and one task function).
 */
export const TASK_FIELDS = [
  "instanceId",
  "node",
  "task",
  "name",
  "state",
  "worker",
  "thread",
  "attempt",
  "queuedAt",
  "startedAt",
  "endedAt",
  "error",
  "fetchMs",
  "storeMs",
  "inputBytes",
  "outputBytes",
  "redisInputBytes",
  "storedBytes",
  "cold",
  "configuration",
  "memoryMb",
] as const satisfies readonly (keyof TaskView)[];

const SHARED_FIELDS: ReadonlySet<string> = new Set(["node", "task", "name", "state", "worker", "configuration"]);

/**
 * One SSE `update` as it travels: the run's summary, and the tasks changed since the previous
 * message as rows of {@link TASK_FIELDS} (`null` where a task has no value), shared strings once.
 * About a quarter of the bytes of the same tasks as objects, and as much less to parse.
 */
export interface RunUpdateWire {
  seq: number;
  run: RunSummaryView;
  fields: readonly string[];
  strings: string[];
  tasks: unknown[][];
}

/** Encodes an update for the event stream. */
export function encodeRunUpdate(update: RunUpdate): RunUpdateWire {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const shared = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const tasks = update.tasks.map((t) =>
    TASK_FIELDS.map((f) => {
      const v = t[f];
      if (v === undefined) return null;
      return SHARED_FIELDS.has(f) ? shared(v as string) : v;
    }),
  );
  return { seq: update.seq, run: update.run, fields: TASK_FIELDS, strings, tasks };
}

/** Decodes what {@link encodeRunUpdate} made (for scripts reading `GET /api/runs/<id>/events`). */
export function decodeRunUpdate(wire: RunUpdateWire): RunUpdate {
  const tasks = wire.tasks.map((row) => {
    const t: Record<string, unknown> = {};
    wire.fields.forEach((f, i) => {
      const v = row[i];
      if (v === null || v === undefined) return;
      t[f] = SHARED_FIELDS.has(f) ? wire.strings[v as number] : v;
    });
    return t as unknown as TaskView;
  });
  return { seq: wire.seq, run: wire.run, tasks };
}
