import { readFile } from "node:fs/promises";
import { DASHBOARD_ASSETS } from "./dashboard-assets.js";
import type { RunView, TaskView } from "./run-view.js";

/** One event of the Chrome trace format (the JSON object form; Perfetto reads it too). */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: "X" | "M";
  /** µs since the run's start. */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

/** What `GET /api/runs/<id>` answers for a run: its summary, graph and tasks. */
export function runDetailOf(view: RunView): Record<string, unknown> {
  const summary = view.summary();
  return {
    ...summary,
    counts: summary.tasks,
    input: view.input,
    output: view.output,
    graph: view.graph,
    tasks: [...view.tasks.values()],
    ...(view.plan ? { plan: view.plan } : {}),
    ...(view.dropped ? { tasksDropped: "its tasks were dropped to bound the dashboard's memory and can no longer be read (the run's metrics expired)" } : {}),
  };
}

/**
 * A run as a Chrome trace (`chrome://tracing`, Perfetto): one process per worker, one thread per
 * worker thread, each task's input fetch, execution and output store as complete (`X`) events.
 */
export function traceOf(view: RunView): { traceEvents: TraceEvent[]; displayTimeUnit: "ms"; otherData: Record<string, unknown> } {
  const pids = new Map<string, number>();
  const events: TraceEvent[] = [];
  const us = (ms: number): number => Math.round((ms - view.startedAt) * 1000);
  const pidOf = (worker: string): number => {
    let pid = pids.get(worker);
    if (pid === undefined) {
      pids.set(worker, (pid = pids.size + 1));
      events.push({ name: "process_name", ph: "M", ts: 0, pid, tid: 0, args: { name: worker } });
    }
    return pid;
  };
  for (const t of view.tasks.values()) {
    if (t.startedAt === undefined || t.endedAt === undefined) continue;
    const pid = pidOf(t.worker ?? "?");
    const tid = t.thread ?? 0;
    const args = argsOf(t);
    if (t.fetchMs)
      events.push({ name: `fetch ${t.instanceId}`, cat: "fetch", ph: "X", ts: us(t.startedAt - t.fetchMs), dur: Math.round(t.fetchMs * 1000), pid, tid, args });
    events.push({
      name: t.name,
      cat: t.state === "failed" ? "failed" : "task",
      ph: "X",
      ts: us(t.startedAt),
      dur: Math.max(1, us(t.endedAt) - us(t.startedAt)),
      pid,
      tid,
      args,
    });
    if (t.storeMs) events.push({ name: `store ${t.instanceId}`, cat: "store", ph: "X", ts: us(t.endedAt), dur: Math.round(t.storeMs * 1000), pid, tid, args });
  }
  return { traceEvents: events, displayTimeUnit: "ms", otherData: { runId: view.id, workflow: view.workflow, status: view.status, startedAt: view.startedAt } };
}

function argsOf(t: TaskView): Record<string, unknown> {
  return {
    instanceId: t.instanceId,
    task: t.task,
    attempt: t.attempt,
    ...(t.inputBytes !== undefined ? { inputBytes: t.inputBytes, outputBytes: t.outputBytes, storedBytes: t.storedBytes } : {}),
    ...(t.cold !== undefined ? { start: t.cold ? "cold" : "warm" } : {}),
    ...(t.error ? { error: `${t.error.name}: ${t.error.message}` } : {}),
  };
}

/**
 * The run page as one self-contained HTML file: the stylesheet and the page's script inline, and
 * the run's detail embedded (the page reads it instead of the API, and opens no stream).
 */
export async function htmlOf(view: RunView): Promise<string> {
  const read = (f: string): Promise<string> => readFile(new URL(f, DASHBOARD_ASSETS), "utf8");
  const [page, css] = await Promise.all([read("run.html"), read("dashboard.css")]);
  const names = [...page.matchAll(/<script src="\/assets\/([a-z-]+\.js)"><\/script>/g)].map((m) => m[1] as string);
  const scripts = new Map(await Promise.all(names.map(async (n) => [n, await read(n)] as const)));
  // `<` escaped so that no value can close the script element.
  const data = JSON.stringify(runDetailOf(view)).replace(/</g, "\\u003c");
  return page
    .replace('<link rel="stylesheet" href="/assets/dashboard.css">', () => `<style>\n${css}</style>`)
    .replace(/<script src="\/assets\/([a-z-]+\.js)"><\/script>/g, (_, n: string) => `<script>\n${scripts.get(n)}</script>`)
    .replace("<body>", () => `<body>\n<script>window.TASKLOOM_EXPORT = ${data};</script>`)
    .replace('<a id="back" href="/">all runs</a>', "exported run");
}
