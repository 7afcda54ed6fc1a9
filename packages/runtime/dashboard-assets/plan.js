"use strict";
// The run page's measures beside the DAG (run.js calls these while drawing): predicted vs live ETA
// vs actual makespan and cost in the header, node colours by state / worker / configuration, the
// critical path (measured, else the plan's) and the bytes on each edge.
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const paletteOf = new Map();
/** The colour of a worker or configuration (stable within the page). */
function keyColour(key) {
  if (!paletteOf.has(key)) paletteOf.set(key, PALETTE[paletteOf.size % PALETTE.length]);
  return paletteOf.get(key);
}
const colourModeOf = () => document.getElementById("colour-by")?.value ?? "state";
/** What a task is coloured by: its state, or the worker / configuration it ran on ("not run" before). */
function colourKey(t, mode) {
  if (mode === "worker") return t.worker ?? "not run";
  if (mode === "configuration") return t.configuration ?? (t.worker ? "?" : "not run");
  return t.state;
}
function fillOf(key, mode) {
  return mode === "state" ? undefined : key === "not run" ? "#ddd" : keyColour(key);
}

const ms = (v) => (v === undefined ? "?" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const gbs = (v) => (v === undefined ? "?" : `${v.toFixed(4)} GB-s`);

/** Header items: predicted, ETA (live) and actual makespan; predicted cost and cost so far. */
function planHeaderItems(run, tasks) {
  const items = [];
  const p = run.predicted;
  if (p) items.push(["predicted", `${ms(p.makespanMs)}, ${gbs(p.gbSeconds)} (${run.planner}, ${p.sla}${p.fallback ? ", default plan" : ""})`]);
  if (run.status === "running") {
    let done = 0;
    for (const t of tasks.values()) if (t.state === "done" || t.state === "skipped") done++;
    const elapsed = Date.now() - run.startedAt;
    // Live ETA: the measured rate so far over the instances known; the plan's prediction before any finished.
    const eta = done > 0 ? (elapsed * (tasks.size - done)) / done : p ? Math.max(0, p.makespanMs - elapsed) : undefined;
    items.push(["eta", eta === undefined ? "?" : `${ms(eta)} left`]);
  } else if (run.makespanMs !== undefined) {
    const err = p && p.makespanMs > 0 ? ` (${run.makespanMs >= p.makespanMs ? "+" : ""}${((100 * (run.makespanMs - p.makespanMs)) / p.makespanMs).toFixed(1)} % vs predicted)` : "";
    items.push(["actual", `${ms(run.makespanMs)}${err}`]);
  }
  if (run.gbSeconds !== undefined) items.push([run.status === "running" ? "cost-so-far" : "cost", gbs(run.gbSeconds)]);
  return items;
}

/** Task nodes (and reductions) upstream of each node, looking through maps, branches and inline steps. */
function taskPredecessors(g) {
  const kind = new Map(g.nodes.map((n) => [n.id, n.kind]));
  const into = new Map();
  for (const e of g.edges) (into.get(e.to) ?? into.set(e.to, []).get(e.to)).push(e.from);
  const out = new Map();
  for (const n of g.nodes) {
    const found = new Set();
    const stack = [...(into.get(n.id) ?? [])];
    const seen = new Set(stack);
    while (stack.length) {
      const id = stack.pop();
      if (kind.get(id) === "task" || kind.get(id) === "reduce") found.add(id);
      else for (const f of into.get(id) ?? []) if (!seen.has(f)) seen.add(f), stack.push(f);
    }
    out.set(n.id, [...found]);
  }
  return out;
}

/**
 * The critical path as a set of node ids, and where it comes from. Measured: from the node whose
 * last instance ended last, back through the predecessor that ended last, to a root. Without
 * measured times, the plan's critical path (its instances' nodes).
 */
function criticalPath(g, by, plan) {
  const lastEnd = new Map();
  for (const [id, c] of by) for (const t of c.list) if (t.endedAt !== undefined) lastEnd.set(id, Math.max(lastEnd.get(id) ?? 0, t.endedAt));
  if (lastEnd.size > 0) {
    const preds = taskPredecessors(g);
    let at = [...lastEnd].sort((a, b) => b[1] - a[1])[0][0];
    const path = new Set();
    while (at && !path.has(at)) {
      path.add(at);
      at = (preds.get(at) ?? []).filter((p) => lastEnd.has(p)).sort((a, b) => lastEnd.get(b) - lastEnd.get(a))[0];
    }
    return { nodes: path, source: "measured" };
  }
  if (plan?.criticalPath?.length) return { nodes: new Set(plan.criticalPath.map((id) => id.slice(0, id.search(/[[~]/) < 0 ? id.length : id.search(/[[~]/)))), source: "plan" };
  return { nodes: new Set(), source: "none" };
}

const bytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);
/** An edge's label: the bytes its source's instances output, and how many of them went through Redis. */
function edgeLabel(c) {
  if (!c) return undefined;
  let out = 0;
  let redis = 0;
  let measured = 0;
  for (const t of c.list) {
    if (t.outputBytes === undefined) continue;
    measured++;
    out += t.outputBytes;
    redis += t.storedBytes ?? 0;
  }
  if (measured === 0) return undefined;
  return { text: `${bytes(out)}${redis > 0 ? ` (${bytes(redis)} via Redis)` : " local"}`, out, redis };
}
