import type { HistoryRunDetail, HistoryRunSummary, HistorySamples, WorkflowHistory } from "./history-types.js";

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

/** `dag-history list`: one line per workflow structure, most recent first. */
export function formatWorkflowList(location: string, workflows: WorkflowHistory[]): string {
  if (workflows.length === 0) return `history ${location}: empty`;
  const lines = [`history ${location}: ${workflows.length} workflow structure(s)`];
  for (const w of workflows) {
    lines.push(`${w.structure}  ${w.className}.${w.workflow}  ${w.runs} run(s)  ${iso(w.firstAt)} .. ${iso(w.lastAt)}`);
  }
  return lines.join("\n");
}

function runLine(r: HistoryRunSummary): string {
  const predicted =
    r.predictedMakespanMs === undefined
      ? ""
      : `  predicted ${r.predictedMakespanMs.toFixed(1)} ms (${r.makespanMs > 0 ? (((r.predictedMakespanMs - r.makespanMs) / r.makespanMs) * 100).toFixed(1) : "?"} %)`;
  const sla = r.sla ? ` (${r.sla})` : "";
  const fallback = r.fallback ? `  fallback: ${r.fallback}` : "";
  return `  ${r.runId}  ${iso(r.at)}  ${r.planner}${sla}  ${r.status}  ${r.tasks} task(s)  ${r.makespanMs.toFixed(1)} ms  ${r.gbSeconds.toFixed(3)} GB-s${predicted}${fallback}`;
}

/** `dag-history show <structure>`: what planning learns from (per task and configuration) and the latest runs. */
export function formatStructure(w: WorkflowHistory, samples: HistorySamples | undefined, runs: HistoryRunSummary[]): string {
  const lines = [`${w.className}.${w.workflow}  structure ${w.structure}`, `${w.runs} run(s) recorded, ${iso(w.firstAt)} .. ${iso(w.lastAt)}`];
  lines.push("samples per (task, configuration): kept/recorded, mean execution, mean input, CPU share, cold");
  for (const t of samples?.tasks ?? []) {
    const s = t.samples;
    const cpu = s.filter((x) => x.cpu >= 0).map((x) => x.cpu);
    lines.push(
      `  ${t.task} [${t.configuration}]  ${s.length}/${t.count}  ${mean(s.map((x) => x.executionMs)).toFixed(2)} ms  ${Math.round(mean(s.map((x) => x.inputBytes)))} B  ${cpu.length > 0 ? mean(cpu).toFixed(2) : "?"}  ${s.filter((x) => x.cold).length}`,
    );
  }
  const lengths = Object.entries(samples?.lengths ?? {});
  if (lengths.length > 0) lines.push(`fan-out lengths: ${lengths.map(([k, v]) => `${k} [${v.join(", ")}]`).join("; ")}`);
  for (const [configuration, list] of Object.entries(samples?.transfers ?? {}).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const bytes = list.reduce((n, x) => n + x.bytes, 0);
    const ms = list.reduce((n, x) => n + x.ms, 0);
    lines.push(`transfers [${configuration}]: ${list.length} sample(s), ${bytes > 0 ? ((ms * 1000) / bytes).toFixed(4) : "?"} µs/B`);
  }
  lines.push(`latest runs (${runs.length}):`);
  for (const r of runs) lines.push(runLine(r));
  return lines.join("\n");
}

/** `dag-history show <structure> --run <id>`: one kept run's summary and plan. */
export function formatRunDetail(d: HistoryRunDetail): string {
  const lines = [runLine(d.summary).trim()];
  const p = d.plan;
  if (p) {
    lines.push(
      `plan ${p.planner} (${p.sla}): predicted ${p.predictedMakespanMs.toFixed(1)} ms, ${p.predictedCost.gbSeconds.toFixed(3)} GB-s; samples: at least ${p.samples.min} per task, ${p.samples.total} in all`,
    );
    for (const [name, c] of Object.entries(p.configurations).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      lines.push(`  configuration ${name}: ${c.tasks} task(s) on ${c.workers} worker(s), ${c.gbSeconds.toFixed(3)} GB-s`);
    }
    lines.push(`  critical path (${p.criticalPath.length}): ${p.criticalPath.join(" → ")}`);
  }
  lines.push(`report: ${d.report.counts.tasks} task(s), ${d.report.makespanMs.toFixed(1)} ms${d.truncated ? " (task lists cut to the cap)" : ""}`);
  return lines.join("\n");
}
