"use strict";
// The run page: the compiled DAG (drawn before the first task runs), coloured by the instances'
// states as the run's event stream reports them (one EventSource; it resumes with Last-Event-ID).
const token = new URLSearchParams(location.search).get("token");
const q = token ? `?token=${encodeURIComponent(token)}` : "";
const runId = decodeURIComponent(location.pathname.split("/").pop());
const $ = (id) => document.getElementById(id);
const STATES = ["waiting", "ready", "running", "done", "failed", "retrying", "skipped"];
/** Above this many instances, the instances of a node are one box with counts (click expands). */
const GROUP_ABOVE = 2000;
const tasks = new Map();
const expanded = new Set();
let run;
let graph;
let drawn = false;

function layers(g) {
  const depth = new Map(g.nodes.map((n) => [n.id, 0]));
  for (let pass = 0; pass < g.nodes.length; pass++) {
    let moved = false;
    for (const e of g.edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if (depth.has(e.to) && d > depth.get(e.to)) depth.set(e.to, d), (moved = true);
    }
    if (!moved) break;
  }
  return depth;
}

function countsByNode() {
  const by = new Map();
  for (const t of tasks.values()) {
    let c = by.get(t.node);
    if (!c) by.set(t.node, (c = { total: 0, list: [] }));
    c.total++;
    c[t.state] = (c[t.state] ?? 0) + 1;
    c.list.push(t);
  }
  return by;
}

function draw() {
  const svg = $("dag");
  const ns = "http://www.w3.org/2000/svg";
  const depth = layers(graph);
  const boxes = graph.nodes.filter((n) => n.kind !== "inline");
  const columns = new Map();
  for (const n of boxes) {
    const d = depth.get(n.id) ?? 0;
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(n);
  }
  const by = countsByNode();
  const grouped = tasks.size > GROUP_ABOVE;
  const W = 170;
  const H = 54;
  const pos = new Map();
  let height = 0;
  for (const [d, list] of columns) list.forEach((n, i) => pos.set(n.id, { x: 10 + d * (W + 40), y: 10 + i * (H + 20) })), (height = Math.max(height, list.length));
  svg.setAttribute("height", String(20 + height * (H + 20)));
  svg.setAttribute("width", String(20 + columns.size * (W + 40)));
  svg.replaceChildren();
  for (const e of graph.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const line = document.createElementNS(ns, "line");
    Object.entries({ x1: a.x + W, y1: a.y + H / 2, x2: b.x, y2: b.y + H / 2, stroke: "#999" }).forEach(([k, v]) => line.setAttribute(k, v));
    svg.append(line);
  }
  for (const n of boxes) {
    const p = pos.get(n.id);
    const c = by.get(n.id) ?? { total: 0, list: [] };
    const g = document.createElementNS(ns, "g");
    g.setAttribute("transform", `translate(${p.x},${p.y})`);
    g.dataset.node = n.id;
    g.dataset.total = String(c.total);
    for (const s of STATES) g.dataset[s] = String(c[s] ?? 0);
    const frame = document.createElementNS(ns, "rect");
    Object.entries({ width: W, height: H, fill: "white", stroke: "#555", rx: 4 }).forEach(([k, v]) => frame.setAttribute(k, v));
    g.append(frame);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "4");
    label.setAttribute("y", "14");
    label.textContent = `${n.name} (${c.total})`;
    g.append(label);
    const cells = !grouped || expanded.has(n.id) ? c.list : undefined;
    if (cells && cells.length > 0) {
      const size = Math.max(2, Math.floor(Math.sqrt(((W - 8) * (H - 22)) / cells.length)));
      const perRow = Math.max(1, Math.floor((W - 8) / size));
      cells.forEach((t, i) => {
        const r = document.createElementNS(ns, "rect");
        Object.entries({ x: 4 + (i % perRow) * size, y: 20 + Math.floor(i / perRow) * size, width: size - 1, height: size - 1, class: t.state }).forEach(([k, v]) => r.setAttribute(k, v));
        r.dataset.instance = t.instanceId;
        g.append(r);
      });
    } else if (c.total > 0) {
      let x = 4;
      for (const s of STATES) {
        const w = ((c[s] ?? 0) / c.total) * (W - 8);
        if (w <= 0) continue;
        const r = document.createElementNS(ns, "rect");
        Object.entries({ x, y: 22, width: w, height: 14, class: s }).forEach(([k, v]) => r.setAttribute(k, v));
        g.append(r);
        x += w;
      }
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", "4");
      t.setAttribute("y", "50");
      t.setAttribute("font-size", "10");
      t.textContent = STATES.filter((s) => c[s]).map((s) => `${s} ${c[s]}`).join(" · ");
      g.append(t);
      g.style.cursor = "pointer";
      g.onclick = () => (expanded.has(n.id) ? expanded.delete(n.id) : expanded.add(n.id), draw());
    } else {
      const r = document.createElementNS(ns, "rect");
      Object.entries({ x: 4, y: 22, width: W - 8, height: 14, class: "waiting" }).forEach(([k, v]) => r.setAttribute(k, v));
      g.append(r);
    }
    svg.append(g);
  }
  drawn = true;
}

function header() {
  const counts = {};
  for (const t of tasks.values()) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const elapsed = (run.makespanMs ?? Date.now() - run.startedAt) / 1000;
  $("title").textContent = `${run.workflow} · ${run.id}`;
  $("header").replaceChildren(
    ...[["state", run.status], ["elapsed", `${elapsed.toFixed(1)} s`], ["tasks", String(tasks.size)], ...STATES.filter((s) => counts[s]).map((s) => [s, String(counts[s])])].map(([k, v]) => {
      const span = document.createElement("span");
      span.id = `h-${k}`;
      span.textContent = `${k}: ${v}`;
      return span;
    }),
  );
  document.body.dataset.status = run.status;
  const failures = [...tasks.values()].filter((t) => t.error);
  $("failures").replaceChildren(
    ...failures.map((t) => {
      const div = document.createElement("div");
      div.className = "failure";
      const h = document.createElement("h3");
      h.textContent = `${t.name} (${t.instanceId}) on ${t.worker ?? "?"}, attempt ${t.attempt}: ${t.error.name}: ${t.error.message}`;
      const pre = document.createElement("pre");
      pre.textContent = t.error.stack;
      div.append(h, pre);
      return div;
    }),
  );
}

/** A value preview (superjson's { json, meta }, cut to a bound) as text; meta's types are named, not revived. */
function previewText(label, p) {
  if (!p) return `${label}: (none yet)`;
  const types = p.meta ? ` (types: ${JSON.stringify(p.meta.values)})` : "";
  return `${label}${p.truncated ? " (cut)" : ""}${types}:\n${JSON.stringify(p.json)}`;
}

function values(detail) {
  $("input").textContent = previewText("input", detail.input);
  $("output").textContent = previewText("result", detail.output);
}

let pending = false;
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
    header();
    document.body.dataset.seq = String(window.lastSeq ?? 0);
  });
}

async function start() {
  const detail = await (await fetch(`/api/runs/${encodeURIComponent(runId)}${q}`)).json();
  graph = detail.graph;
  run = detail;
  for (const t of detail.tasks) tasks.set(t.instanceId, t);
  values(detail);
  render();
  if (detail.status !== "running") return;
  const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events${q}`);
  source.addEventListener("update", (m) => {
    const u = JSON.parse(m.data);
    run = u.run;
    for (const t of u.tasks) tasks.set(t.instanceId, t);
    window.lastSeq = u.seq;
    render();
  });
  source.addEventListener("end", async () => {
    source.close();
    values(await (await fetch(`/api/runs/${encodeURIComponent(runId)}${q}`)).json());
    render();
  });
}
start();
window.dashboardDrawn = () => drawn;
