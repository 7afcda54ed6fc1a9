import type { PlanGraph } from "./plan-graph.js";
import type { PlanReport } from "./plan-report.js";

/** Fill colours of configurations, in the order of their names. */
const FILLS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f"];
const NODE_W = 150;
const NODE_H = 40;
const GAP_X = 60;
const GAP_Y = 16;
const TOP = 70;
/** Instances drawn per level at most (a wide fan-out is cut, with a "+N more" box). */
export const SVG_MAX_PER_LEVEL = 24;

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The short name of a task id (`file#Class.method` → `Class.method`). */
function shortName(task: string): string {
  return task.includes("#") ? task.slice(task.lastIndexOf("#") + 1) : task;
}

/**
 * Draws a plan as SVG: the DAG left to right by depth, each instance coloured by its configuration,
 * instances of one predicted worker outlined together (dashed), the critical path in red, predicted
 * start–end in each label, and a legend (configurations with their tasks, workers and GB-seconds).
 * Wide levels are cut to {@link SVG_MAX_PER_LEVEL} instances.
 * @example
 * ```ts
 * writeFileSync("plan.svg", planSvg(graph, report.plan));
 * ```
 */
export function planSvg(graph: PlanGraph, plan: PlanReport, names: ReadonlyMap<string, string> = new Map()): string {
  const depth = new Int32Array(graph.size);
  for (let i = 0; i < graph.size; i++) for (const d of graph.deps[i]!) depth[i] = Math.max(depth[i]!, depth[d]! + 1);
  const workers = [...new Set(graph.ids.map((id) => plan.tasks[id]?.worker ?? ""))].sort();
  const workerIndex = new Map(workers.map((w, k) => [w, k]));
  const levels: number[][] = [];
  for (let i = 0; i < graph.size; i++) (levels[depth[i]!] ??= []).push(i);
  const configs = Object.keys(plan.configurations).sort();
  const fill = new Map(configs.map((c, k) => [c, FILLS[k % FILLS.length]!]));
  const critical = new Set(plan.criticalPath);
  const pos = new Map<number, { x: number; y: number }>();
  const more: { x: number; y: number; n: number }[] = [];
  let rows = 0;
  levels.forEach((level, l) => {
    // Instances of one worker next to each other (a chain stays on one row), then by index.
    const sorted = [...level].sort(
      (a, b) =>
        Number(critical.has(graph.ids[b]!)) - Number(critical.has(graph.ids[a]!)) ||
        workerIndex.get(plan.tasks[graph.ids[a]!]?.worker ?? "")! - workerIndex.get(plan.tasks[graph.ids[b]!]?.worker ?? "")! ||
        a - b,
    );
    const shown = sorted.slice(0, SVG_MAX_PER_LEVEL);
    for (let r = 0; r < shown.length; r++) pos.set(shown[r]!, { x: 20 + l * (NODE_W + GAP_X), y: TOP + r * (NODE_H + GAP_Y) });
    if (sorted.length > shown.length) more.push({ x: 20 + l * (NODE_W + GAP_X), y: TOP + shown.length * (NODE_H + GAP_Y), n: sorted.length - shown.length });
    rows = Math.max(rows, shown.length + (sorted.length > shown.length ? 1 : 0));
  });
  const width = Math.max(640, 40 + levels.length * (NODE_W + GAP_X));
  const legendY = TOP + rows * (NODE_H + GAP_Y) + 20;
  const height = legendY + 30 + (configs.length + 1) * 22;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="bold">${esc(`plan ${plan.planner} (${plan.sla})`)}</text>`,
    `<text x="20" y="44">${esc(
      `predicted makespan ${plan.predictedMakespanMs.toFixed(1)} ms, ${plan.predictedCost.gbSeconds.toFixed(3)} GB-s; ${graph.size} instances; samples: min ${plan.samples.min}, total ${plan.samples.total}${plan.fallback ? `; default plan: ${plan.fallback}` : ""}`,
    )}</text>`,
  ];
  // Worker groups: a dashed outline around the drawn instances of each worker with two or more.
  const byWorker = new Map<string, { x0: number; y0: number; x1: number; y1: number; n: number }>();
  for (const [i, p] of pos) {
    const w = plan.tasks[graph.ids[i]!]?.worker ?? "";
    const b = byWorker.get(w) ?? { x0: p.x, y0: p.y, x1: p.x + NODE_W, y1: p.y + NODE_H, n: 0 };
    byWorker.set(w, { x0: Math.min(b.x0, p.x), y0: Math.min(b.y0, p.y), x1: Math.max(b.x1, p.x + NODE_W), y1: Math.max(b.y1, p.y + NODE_H), n: b.n + 1 });
  }
  for (const [w, b] of byWorker) {
    if (b.n < 2 || w === "") continue;
    out.push(
      `<rect x="${b.x0 - 6}" y="${b.y0 - 6}" width="${b.x1 - b.x0 + 12}" height="${b.y1 - b.y0 + 12}" rx="8" fill="none" stroke="#888" stroke-dasharray="4 3"><title>${esc(`worker ${w}`)}</title></rect>`,
    );
  }
  for (const [i, p] of pos) {
    for (const d of graph.deps[i]!) {
      const q = pos.get(d);
      if (!q) continue;
      const hot = critical.has(graph.ids[i]!) && critical.has(graph.ids[d]!);
      out.push(
        `<line x1="${q.x + NODE_W}" y1="${q.y + NODE_H / 2}" x2="${p.x}" y2="${p.y + NODE_H / 2}" stroke="${hot ? "#d62728" : "#bbb"}" stroke-width="${hot ? 3 : 1}"/>`,
      );
    }
  }
  for (const [i, p] of pos) {
    const id = graph.ids[i]!;
    const t = plan.tasks[id];
    const hot = critical.has(id);
    const name = names.get(graph.tasks[i]!) ?? shortName(graph.tasks[i]!);
    out.push(
      `<g><title>${esc(`${id} ${name} on ${t?.group ?? "?"} (${t?.worker ?? "?"}): ${t ? `${t.startMs.toFixed(1)}–${t.endMs.toFixed(1)} ms, execution ${t.executionMs.toFixed(1)} ms, transfer ${t.transferMs.toFixed(1)} ms` : ""}`)}</title>` +
        `<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="5" fill="${fill.get(t?.group ?? "") ?? "#ccc"}" stroke="${hot ? "#d62728" : "#333"}" stroke-width="${hot ? 3 : 1}"/>` +
        `<text x="${p.x + 6}" y="${p.y + 16}" fill="#fff" font-weight="bold">${esc(`${id} ${name}`.slice(0, 26))}</text>` +
        `<text x="${p.x + 6}" y="${p.y + 31}" fill="#fff">${esc(t ? `${t.startMs.toFixed(0)}–${t.endMs.toFixed(0)} ms` : "")}</text></g>`,
    );
  }
  for (const m of more) {
    out.push(
      `<rect x="${m.x}" y="${m.y}" width="${NODE_W}" height="${NODE_H}" rx="5" fill="#eee" stroke="#999"/><text x="${m.x + 8}" y="${m.y + 24}">+${m.n} more</text>`,
    );
  }
  out.push(`<text x="20" y="${legendY}" font-weight="bold">configurations</text>`);
  configs.forEach((c, k) => {
    const s = plan.configurations[c]!;
    const y = legendY + 12 + k * 22;
    out.push(
      `<rect x="20" y="${y}" width="16" height="16" fill="${fill.get(c)}"/><text x="44" y="${y + 12}">${esc(`${c}: ${s.tasks} tasks, ${s.workers} workers, ${s.gbSeconds.toFixed(3)} GB-s`)}</text>`,
    );
  });
  const y = legendY + 12 + configs.length * 22;
  out.push(
    `<line x1="20" y1="${y + 8}" x2="36" y2="${y + 8}" stroke="#d62728" stroke-width="3"/><text x="44" y="${y + 12}">critical path</text>` +
      `<rect x="160" y="${y}" width="16" height="16" fill="none" stroke="#888" stroke-dasharray="4 3"/><text x="184" y="${y + 12}">instances on one worker</text>`,
  );
  out.push("</svg>");
  return out.join("\n");
}
