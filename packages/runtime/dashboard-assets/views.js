"use strict";
// The run page's views beyond the DAG, drawn from the same task states as the DAG (run.js):
// progress per task function, the timeline (a lane per worker thread: input fetch, execution and
// output store of each task, cold starts marked, idle gaps left blank), and the task inspector.
const SEGMENTS = { fetch: "#8ecae6", exec: "#2a9d8f", store: "#e9c46a", failed: "#e63946" };
let timelineAt = 0;

function progressView() {
  const by = new Map();
  for (const t of tasks.values()) {
    let c = by.get(t.name);
    if (!c) by.set(t.name, (c = { total: 0 }));
    c.total++;
    c[t.state] = (c[t.state] ?? 0) + 1;
  }
  const body = $("progress").tBodies[0];
  body.replaceChildren(
    ...[...by].map(([name, c]) => {
      const tr = document.createElement("tr");
      tr.dataset.task = name;
      const waiting = (c.waiting ?? 0) + (c.ready ?? 0);
      const running = (c.running ?? 0) + (c.retrying ?? 0);
      Object.assign(tr.dataset, { waiting, running, done: c.done ?? 0, failed: c.failed ?? 0, total: c.total });
      for (const v of [name, waiting, running, c.done ?? 0, c.failed ?? 0, c.total]) tr.insertCell().textContent = String(v);
      const bar = tr.insertCell();
      bar.className = "bar";
      for (const [s, n] of [["done", c.done ?? 0], ["running", running], ["failed", c.failed ?? 0], ["waiting", waiting]]) {
        if (!n) continue;
        const span = document.createElement("span");
        span.className = `fill ${s}`;
        span.style.width = `${(100 * n) / c.total}%`;
        bar.append(span);
      }
      return tr;
    }),
  );
}

/** The timeline on a canvas (a 20,000-task run stays cheap to draw); redrawn at most twice a second. */
function timelineView(force) {
  const now = Date.now();
  if (!force && now - timelineAt < 500 && run.status === "running") return;
  timelineAt = now;
  const canvas = $("timeline");
  const measured = [...tasks.values()].filter((t) => t.startedAt !== undefined && t.endedAt !== undefined);
  const lanes = [...new Set(measured.map((t) => `${t.worker ?? "?"} · thread ${t.thread ?? "?"}`))].sort();
  const laneOf = new Map(lanes.map((l, i) => [l, i]));
  const start = run.startedAt;
  // The plan's schedule (ghost bars): a lane per worker the plan simulated, below the measured lanes.
  const planned = Object.entries(plan?.tasks ?? {});
  const ghostLanes = [...new Set(planned.map(([, p]) => p.worker))].sort();
  const ghostLaneOf = new Map(ghostLanes.map((l, i) => [l, lanes.length + i]));
  let end = Math.max(run.startedAt + (run.makespanMs ?? 0), start + 1, start + (plan?.predictedMakespanMs ?? 0));
  for (const t of measured) end = Math.max(end, t.endedAt + (t.storeMs ?? 0));
  const LANE = 18;
  const LEFT = 190;
  const width = Math.max(600, canvas.parentElement.clientWidth - 20);
  canvas.width = width;
  canvas.height = 24 + (lanes.length + ghostLanes.length) * LANE;
  const ctx = canvas.getContext("2d");
  ctx.font = "11px system-ui";
  const x = (ms) => LEFT + ((ms - start) / (end - start)) * (width - LEFT - 10);
  const busy = new Array(lanes.length).fill(0);
  let segments = 0;
  for (const t of measured) {
    const lane = laneOf.get(`${t.worker ?? "?"} · thread ${t.thread ?? "?"}`);
    const y = 20 + lane * LANE;
    const parts = [
      ["fetch", t.startedAt - (t.fetchMs ?? 0), t.startedAt],
      [t.state === "failed" ? "failed" : "exec", t.startedAt, t.endedAt],
      ["store", t.endedAt, t.endedAt + (t.storeMs ?? 0)],
    ];
    for (const [kind, a, b] of parts) {
      if (b <= a) continue;
      ctx.fillStyle = SEGMENTS[kind];
      ctx.fillRect(x(a), y, Math.max(1, x(b) - x(a)), LANE - 4);
      segments++;
    }
    busy[lane] += t.endedAt - t.startedAt + (t.fetchMs ?? 0) + (t.storeMs ?? 0);
    if (t.cold) {
      ctx.fillStyle = "#000";
      ctx.fillRect(x(t.startedAt), y - 2, 2, LANE);
    }
  }
  ctx.strokeStyle = "#7b2cbf";
  for (const [, p] of planned) {
    const y = 20 + ghostLaneOf.get(p.worker) * LANE;
    const a = x(start + p.startMs);
    const w = Math.max(1, x(start + p.endMs) - a);
    ctx.fillStyle = "rgba(123, 44, 191, 0.18)";
    ctx.fillRect(a, y, w, LANE - 4);
    ctx.strokeRect(a, y, w, LANE - 4);
  }
  ctx.fillStyle = "#333";
  lanes.forEach((l, i) => ctx.fillText(`${l} · idle ${Math.max(0, Math.round(100 - (100 * busy[i]) / (end - start)))}%`, 2, 32 + i * LANE));
  ghostLanes.forEach((l, i) => ctx.fillText(`plan · ${l}`, 2, 32 + (lanes.length + i) * LANE));
  ctx.fillText(`0 ms`, LEFT, 12);
  ctx.fillText(`${Math.round(end - start)} ms`, width - 70, 12);
  Object.assign(canvas.dataset, { lanes: lanes.length, segments, tasks: measured.length, ghostLanes: ghostLanes.length, ghosts: planned.length });
}

/** The inspector of one task instance: what the page knows of it, then its output preview from the API. */
async function inspect(instanceId) {
  const t = tasks.get(instanceId);
  const box = $("inspector");
  box.dataset.instance = instanceId;
  const rows = [];
  const row = (k, v) => v !== undefined && v !== "" && rows.push([k, String(v)]);
  if (t) {
    row("instance", t.instanceId);
    row("task", `${t.name} (${t.task})`);
    row("state", t.state);
    row("attempts", t.attempt);
    row("worker", t.worker === undefined ? undefined : `${t.worker}, thread ${t.thread ?? "?"}${t.configuration ? `, configuration ${t.configuration}` : ""}${t.cold === undefined ? "" : t.cold ? ", cold start" : ", warm"}`);
    row("queued", t.queuedAt && new Date(t.queuedAt).toISOString());
    row("measured", t.endedAt !== undefined && t.startedAt !== undefined ? `fetch ${fmt(t.fetchMs)} · execution ${fmt(t.endedAt - t.startedAt)} · store ${fmt(t.storeMs)}` : undefined);
    const p = plan?.tasks?.[t.instanceId];
    const rel = (at) => (at === undefined ? "?" : fmt(at - run.startedAt));
    row(
      "planned",
      p
        ? `on ${p.worker} (configuration ${p.group}), start ${fmt(p.startMs)}, end ${fmt(p.endMs)}, ${fmt(p.endMs - p.startMs)}; measured start ${rel(t.startedAt)}, end ${rel(t.endedAt)}, ${t.endedAt !== undefined && t.startedAt !== undefined ? fmt(t.endedAt - t.startedAt) : "?"} (ms after the run's start)`
        : plan
          ? "not in the plan (an instance of a fan-out longer than predicted)"
          : "no plan for this run",
    );
    row("inputs", t.inputBytes === undefined ? undefined : `${t.inputBytes} B (${t.redisInputBytes ?? 0} B read from Redis, the rest in memory)`);
    row("output", t.outputBytes === undefined ? undefined : `${t.outputBytes} B (${t.storedBytes ? `${t.storedBytes} B stored in Redis` : "kept in memory"})`);
  }
  const table = document.createElement("table");
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = v;
  }
  const title = document.createElement("h3");
  title.textContent = `Task ${instanceId}`;
  const parts = [title, table];
  if (t?.error) {
    const pre = document.createElement("pre");
    pre.className = "stack";
    pre.textContent = `${t.error.name}: ${t.error.message}\n${t.error.stack}`;
    parts.push(pre);
  }
  const preview = document.createElement("pre");
  preview.className = "preview";
  parts.push(preview);
  box.replaceChildren(...parts);
  if (window.TASKLOOM_EXPORT) return void (preview.textContent = "output: not in an exported page");
  const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(instanceId)}${q}`);
  const detail = res.ok ? await res.json() : {};
  // previewText (run.js): superjson's { json, meta } as text, the types named.
  preview.textContent = detail.output ? previewText("output", detail.output) : `output: ${detail.outputNote ?? "not available"}`;
  if (res.ok) inspectorDetail(box, detail);
}

const fmt = (ms) => (ms === undefined ? "?" : `${Number(ms).toFixed(2)} ms`);

window.renderViews = function renderViews() {
  progressView();
  timelineView(false);
};
$("inspect-form").onsubmit = (e) => {
  e.preventDefault();
  void inspect($("inspect-id").value.trim());
};

document.addEventListener("click", (e) => {
  const cell = e.target.closest?.("[data-instance]");
  if (cell && cell.tagName !== "DIV") void inspect(cell.dataset.instance);
});
