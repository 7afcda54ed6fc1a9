"use strict";
// The run page: the compiled DAG (drawn before the first task runs), coloured by the instances'
// states as the run's event stream reports them (one EventSource; it resumes with Last-Event-ID).
const token = new URLSearchParams(location.search).get("token");
const q = token ? `?token=${encodeURIComponent(token)}` : "";
const runId = window.TASKLOOM_EXPORT?.id ?? decodeURIComponent(location.pathname.split("/").pop());
const $ = (id) => document.getElementById(id);
const STATES = ["waiting", "ready", "running", "done", "failed", "retrying", "skipped"];
/** Above this many instances, the instances of a node are one box with counts (click expands). */
const GROUP_ABOVE = 2000;
const tasks = new Map();
const expanded = new Set();
let run;
let graph;
let drawn = false;
let succ;
/** A planned run's plan (GET /api/runs/<id> → plan): predictions per instance, the critical path. */
let plan;

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

/** The task nodes each node feeds, looking through maps, branches and inline steps. */
function taskSuccessors(g) {
  const kind = new Map(g.nodes.map((n) => [n.id, n.kind]));
  const out = new Map();
  for (const e of g.edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e.to);
  }
  const memo = new Map();
  const walk = (id, seen) => {
    const found = [];
    for (const to of out.get(id) ?? []) {
      if (seen.has(to)) continue;
      seen.add(to);
      if (kind.get(to) === "task" || kind.get(to) === "reduce") found.push(to);
      else found.push(...walk(to, seen));
    }
    return found;
  };
  for (const n of g.nodes) memo.set(n.id, walk(n.id, new Set([n.id])));
  return memo;
}

/**
 * A node's state: waiting (nothing ran yet), failed, done (every instance seen is done, and the
 * run ended or every task node it feeds has started), else running.
 */
function nodeState(id, c, by, succ) {
  const ran = (c.done ?? 0) + (c.failed ?? 0) + (c.running ?? 0) + (c.retrying ?? 0);
  if (c.failed) return "failed";
  if (ran === 0) return c.skipped ? "skipped" : "waiting";
  const next = succ.get(id) ?? [];
  const fed = next.length > 0 && next.every((s) => (by.get(s)?.total ?? 0) > 0);
  if ((c.done ?? 0) + (c.skipped ?? 0) === c.total && (run.status !== "running" || fed)) return "done";
  return "running";
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
  succ ??= taskSuccessors(graph);
  const grouped = tasks.size > GROUP_ABOVE;
  const W = 170;
  const H = 54;
  /** The gap between columns, wide enough for an edge's byte label. */
  const GAP = 110;
  const pos = new Map();
  let height = 0;
  for (const [d, list] of columns) list.forEach((n, i) => pos.set(n.id, { x: 10 + d * (W + GAP), y: 10 + i * (H + 20) })), (height = Math.max(height, list.length));
  svg.setAttribute("height", String(20 + height * (H + 20)));
  svg.setAttribute("width", String(20 + columns.size * (W + GAP)));
  svg.replaceChildren();
  const mode = colourModeOf();
  const critical = criticalPath(graph, by, run.plan);
  svg.dataset.critical = critical.source;
  $("critical-source").textContent = { measured: "from the measured times", plan: "the plan's", none: "none yet" }[critical.source];
  for (const e of graph.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const line = document.createElementNS(ns, "line");
    const onPath = critical.nodes.has(e.from) && critical.nodes.has(e.to);
    Object.entries({ x1: a.x + W, y1: a.y + H / 2, x2: b.x, y2: b.y + H / 2, stroke: onPath ? "#7b2cbf" : "#999", "stroke-width": onPath ? 3 : 1 }).forEach(([k, v]) => line.setAttribute(k, v));
    svg.append(line);
    // The bytes the source's instances output (and how much of it went through Redis).
    const label = edgeLabel(by.get(e.from));
    if (label) {
      const text = document.createElementNS(ns, "text");
      Object.entries({ x: a.x + W + 3, y: a.y + H / 2 - 4, "font-size": 9, class: "edge-label" }).forEach(([k, v]) => text.setAttribute(k, v));
      Object.assign(text.dataset, { from: e.from, to: e.to, bytes: label.out, redisBytes: label.redis });
      text.textContent = label.text;
      svg.append(text);
    }
  }
  for (const n of boxes) {
    const p = pos.get(n.id);
    const c = by.get(n.id) ?? { total: 0, list: [] };
    const g = document.createElementNS(ns, "g");
    g.setAttribute("transform", `translate(${p.x},${p.y})`);
    g.dataset.node = n.id;
    g.dataset.total = String(c.total);
    g.dataset.state = nodeState(n.id, c, by, succ);
    if (critical.nodes.has(n.id)) g.dataset.critical = critical.source;
    for (const s of STATES) g.dataset[s] = String(c[s] ?? 0);
    const frame = document.createElementNS(ns, "rect");
    Object.entries({ width: W, height: H, fill: "white", stroke: "#555", rx: 4, class: `frame node-${g.dataset.state}${critical.nodes.has(n.id) ? " critical" : ""}` }).forEach(([k, v]) => frame.setAttribute(k, v));
    g.append(frame);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "4");
    label.setAttribute("y", "14");
    label.textContent = `${n.name} (${c.total})`;
    g.append(label);
    const cells = !grouped || expanded.has(n.id) ? c.list : undefined;
    if (cells && cells.length > 0) {
      let size = Math.min(14, Math.max(2, Math.floor(Math.sqrt(((W - 8) * (H - 24)) / cells.length))));
      while (size > 2 && Math.ceil(cells.length / Math.floor((W - 8) / size)) * size > H - 24) size--;
      const perRow = Math.max(1, Math.floor((W - 8) / size));
      cells.forEach((t, i) => {
        const r = document.createElementNS(ns, "rect");
        Object.entries({ x: 4 + (i % perRow) * size, y: 20 + Math.floor(i / perRow) * size, width: size - 1, height: size - 1, class: t.state }).forEach(([k, v]) => r.setAttribute(k, v));
        r.dataset.instance = t.instanceId;
        const key = colourKey(t, mode);
        const fill = fillOf(key, mode);
        if (fill) r.style.fill = fill;
        r.dataset.colour = key;
        g.append(r);
      });
    } else if (c.total > 0) {
      let x = 4;
      // Shares of the node's instances by state, or by worker / configuration.
      const shares = new Map();
      if (mode === "state") for (const s of STATES) shares.set(s, c[s] ?? 0);
      else for (const t of c.list) shares.set(colourKey(t, mode), (shares.get(colourKey(t, mode)) ?? 0) + 1);
      for (const [s, count] of shares) {
        const w = (count / c.total) * (W - 8);
        if (w <= 0) continue;
        const r = document.createElementNS(ns, "rect");
        Object.entries({ x, y: 22, width: w, height: 14, class: mode === "state" ? s : "share" }).forEach(([k, v]) => r.setAttribute(k, v));
        const fill = fillOf(s, mode);
        if (fill) r.style.fill = fill;
        r.dataset.colour = s;
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
    ...[
      ["state", run.status],
      ["elapsed", `${elapsed.toFixed(1)} s`],
      ["tasks", String(tasks.size)],
      ...STATES.filter((s) => counts[s]).map((s) => [s, String(counts[s])]),
      ...planHeaderItems(run, tasks),
    ].map(([k, v]) => {
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
      h.dataset.instance = t.instanceId;
      h.className = "inspectable";
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

/**
 * What the page measures of itself (read by the browser tests, useful in devtools): per painted
 * update, the time from each newly finished task's end (its event) to the frame that shows its
 * colour, in ms (the last 5,000), and the updates received.
 */
const stats = { updates: 0, latencies: [], reconnects: 0 };
window.dashboardStats = stats;
let fresh = [];
let pending = false;
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
    header();
    window.renderViews?.();
    document.body.dataset.seq = String(window.lastSeq ?? 0);
    const now = Date.now();
    for (const t of fresh) if (t.endedAt !== undefined) stats.latencies.push(now - t.endedAt);
    if (stats.latencies.length > 5000) stats.latencies.splice(0, stats.latencies.length - 5000);
    fresh = [];
  });
}

/** Fields of a stream update's task rows that index its `strings` (src/dashboard/update-wire.ts). */
const SHARED_FIELDS = new Set(["node", "task", "name", "state", "worker", "configuration"]);

/** An SSE update's task rows as task objects. */
function decodeUpdate(wire) {
  const tasks = wire.tasks.map((row) => {
    const t = {};
    wire.fields.forEach((f, i) => {
      const v = row[i];
      if (v !== null && v !== undefined) t[f] = SHARED_FIELDS.has(f) ? wire.strings[v] : v;
    });
    return t;
  });
  return { seq: wire.seq, run: wire.run, tasks };
}

async function start() {
  // An exported page (dag-dashboard export --html) carries its run and opens no stream.
  const detail = window.TASKLOOM_EXPORT ?? (await (await fetch(`/api/runs/${encodeURIComponent(runId)}${q}`)).json());
  graph = detail.graph;
  run = detail;
  plan = detail.plan;
  for (const t of detail.tasks) tasks.set(t.instanceId, t);
  values(detail);
  render();
  if (detail.status !== "running" || window.TASKLOOM_EXPORT) return;
  const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events${q}`);
  source.addEventListener("update", (m) => {
    const u = decodeUpdate(JSON.parse(m.data));
    run = { ...u.run, plan };
    for (const t of u.tasks) {
      const before = tasks.get(t.instanceId);
      if ((t.state === "done" || t.state === "failed") && before?.state !== t.state) fresh.push(t);
      tasks.set(t.instanceId, t);
    }
    window.lastSeq = u.seq;
    stats.updates++;
    render();
  });
  // The browser reconnects by itself, sending Last-Event-ID: the server sends what changed since.
  source.addEventListener("error", () => stats.reconnects++);
  source.addEventListener("end", async () => {
    source.close();
    values(await (await fetch(`/api/runs/${encodeURIComponent(runId)}${q}`)).json());
    render();
  });
}
$("colour-by").onchange = () => render();
start();
window.dashboardDrawn = () => drawn;
