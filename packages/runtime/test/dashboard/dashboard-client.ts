/** Test helpers: read a dashboard's JSON API and its Server-Sent Events over real HTTP. */
import type { TaskView, ValuePreview } from "@taskloom/runtime";

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads the SSE stream at `url` until it ends or `stopAfter` messages arrived (then disconnects).
 * @param lastEventId - sent as `Last-Event-ID` (a resume).
 */
export async function readEvents(
  url: string,
  options: { lastEventId?: string; stopAfter?: number; headers?: Record<string, string> } = {},
): Promise<SseMessage[]> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { ...(options.headers ?? {}), ...(options.lastEventId ? { "last-event-id": options.lastEventId } : {}) },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const messages: SseMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const m: SseMessage = { event: "message", data: "" };
        for (const line of block.split("\n")) {
          const [k, ...rest] = line.split(": ");
          const v = rest.join(": ");
          if (k === "id") m.id = v;
          else if (k === "event") m.event = v;
          else if (k === "data") m.data += v;
        }
        messages.push(m);
        if (options.stopAfter !== undefined && messages.length >= options.stopAfter) {
          controller.abort();
          return messages;
        }
        cut = buffer.indexOf("\n\n");
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
  return messages;
}

type Check = (value: unknown, path: string) => string[];
const t =
  (type: string): Check =>
  (v, p) =>
    typeof v === type ? [] : [`${p}: expected ${type}, got ${JSON.stringify(v)}`];
const optional =
  (c: Check): Check =>
  (v, p) =>
    v === undefined ? [] : c(v, p);
const oneOf =
  (...values: string[]): Check =>
  (v, p) =>
    values.includes(v as string) ? [] : [`${p}: expected one of ${values.join(", ")}, got ${JSON.stringify(v)}`];
const array =
  (c: Check): Check =>
  (v, p) =>
    Array.isArray(v) ? v.flatMap((x, i) => c(x, `${p}[${i}]`)) : [`${p}: expected an array`];
const object =
  (shape: Record<string, Check>): Check =>
  (v, p) =>
    typeof v === "object" && v !== null
      ? Object.entries(shape).flatMap(([k, c]) => c((v as Record<string, unknown>)[k], `${p}.${k}`))
      : [`${p}: expected an object`];

/** A value preview (codec/value-preview.ts): superjson's { json, meta } with truncated and size. */
const preview = (v: unknown, p: string): string[] =>
  typeof v === "object" && v !== null && "json" in v
    ? [...t("boolean")((v as { truncated?: unknown }).truncated, `${p}.truncated`), ...t("number")((v as { size?: unknown }).size, `${p}.size`)]
    : [`${p}: expected a value preview`];

const runSummary = {
  id: t("string"),
  workflow: t("string"),
  status: oneOf("running", "done", "failed", "aborted"),
  startedAt: t("number"),
  makespanMs: optional(t("number")),
  tasks: object({ total: t("number"), done: t("number"), failed: t("number") }),
  planner: t("string"),
  gbSeconds: optional(t("number")),
  predicted: optional(object({ makespanMs: t("number"), gbSeconds: t("number"), sla: t("string"), fallback: optional(t("string")) })),
};
const taskView = object({
  instanceId: t("string"),
  node: t("string"),
  task: t("string"),
  name: t("string"),
  state: oneOf("waiting", "ready", "running", "done", "failed", "retrying", "skipped"),
  worker: optional(t("string")),
  thread: optional(t("number")),
  attempt: t("number"),
  startedAt: optional(t("number")),
  endedAt: optional(t("number")),
  error: optional(object({ name: t("string"), message: t("string"), stack: t("string"), fields: optional(preview) })),
});

/** The documented shapes of the API's responses: each returns the list of mismatches. */
export const SCHEMAS = {
  runs: array(object(runSummary)),
  run: object({
    ...runSummary,
    tasks: (v, p) => array(taskView)(v, p),
    counts: object({ total: t("number"), done: t("number"), failed: t("number") }),
    input: optional(preview),
    output: optional(preview),
    plan: optional(
      object({
        planner: t("string"),
        sla: t("string"),
        predictedMakespanMs: t("number"),
        predictedGbSeconds: t("number"),
        criticalPath: array(t("string")),
        tasks: (v, p) =>
          typeof v === "object" && v !== null
            ? Object.entries(v).flatMap(([id, x]) =>
                object({ worker: t("string"), group: t("string"), startMs: t("number"), endMs: t("number") })(x, `${p}.${id}`),
              )
            : [`${p}: expected an object`],
      }),
    ),
    graph: object({
      nodes: array(object({ id: t("string"), kind: oneOf("task", "map", "reduce", "inline", "branch"), name: t("string") })),
      edges: array(object({ from: t("string"), to: t("string") })),
    }),
  }),
  /** An SSE update as it travels (rows of `fields`, shared strings once). */
  updateWire: object({ seq: t("number"), run: object(runSummary), fields: array(t("string")), strings: array(t("string")), tasks: array(array(() => [])) }),
  /** An SSE update once decoded (`decodeRunUpdate`). */
  update: object({ seq: t("number"), run: object(runSummary), tasks: array(taskView) }),
};

/** A run's detail as `GET /api/runs/<id>` answers it. */
export interface RunDetail {
  status: string;
  /** The run's input as a value preview, when the dashboard knows it. */
  input?: ValuePreview;
  counts: { total: number; done: number; failed: number };
  graph: { nodes: { id: string; task?: string; name: string }[]; edges: { from: string; to: string }[] };
  tasks: TaskView[];
}

/** The run's detail, or undefined while the dashboard does not know it. */
export async function detailOf(base: URL, runId: string): Promise<RunDetail | undefined> {
  const res = await fetch(new URL(`/api/runs/${runId}${base.search}`, base));
  return res.status === 200 ? ((await res.json()) as RunDetail) : undefined;
}

/** Polls the run's detail until `done` says so (the dashboard reads Redis every 500 ms). */
export async function until(base: URL, runId: string, done: (d: RunDetail) => boolean, timeoutMs = 15_000): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await detailOf(base, runId);
    if (d && done(d)) return d;
    if (Date.now() > deadline) throw new Error(`run ${runId} on the dashboard: ${JSON.stringify(d && { status: d.status, counts: d.counts })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET `url` (the dashboard's API) as JSON; throws on a status other than 200. */
export async function getJson<T>(url: URL): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url.pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The first run of `workflow` the dashboard lists (it reads Redis every 500 ms). */
export async function waitForRun(base: URL, workflow: string): Promise<{ id: string; workflow: string }> {
  for (let i = 0; i < 100; i++) {
    const runs = (await (await fetch(new URL("/api/runs", base))).json()) as { id: string; workflow: string }[];
    const run = runs.find((r) => r.workflow === workflow);
    if (run) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no run of ${workflow} on the dashboard`);
}
