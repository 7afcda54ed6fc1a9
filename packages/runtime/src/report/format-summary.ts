import type { RunReport } from "./run-report.js";

/**
 * A short human summary of a run report, e.g. for examples:
 * `2047 tasks in 38.2 ms (53,600 tasks/s) on 2 threads, 12 batches, 0 retries`.
 */
export function formatRunSummary(report: RunReport): string {
  const c = report.counts;
  const rate = Math.round(report.tasksPerSecond).toLocaleString("en-US");
  const where = report.executor === "local" ? `${c.workers} thread${c.workers === 1 ? "" : "s"}` : `${c.workers} workers`;
  const failed = c.failed > 0 ? `, ${c.failed} failed` : "";
  return `${report.workflow}: ${c.tasks} tasks in ${report.makespanMs.toFixed(1)} ms (${rate} tasks/s) on ${where}, ${c.batches} batches, ${c.retries} retries${failed}${optimizationsLine(report)}${planLine(report)}`;
}

/**
 * `; plan non-uniform (p90): predicted 1200.0 ms, 0.512 GB-s; actual 1250.3 ms (+4.2 %), 0.530 GB-s (+3.5 %)`,
 * for runs with a planner (and why it fell back to the default plan, when it did).
 */
function planLine(report: RunReport): string {
  const p = report.plan;
  if (!p) return "";
  const diff = (actual: number, predicted: number): string =>
    predicted > 0 ? ` (${actual >= predicted ? "+" : ""}${(((actual - predicted) / predicted) * 100).toFixed(1)} %)` : "";
  const fallback = p.fallback ? ` [default plan: ${p.fallback}]` : "";
  const warm = p.prewarm ? ` (with ${p.prewarm.requests.length} pre-warmed, −${p.prewarm.gainMs.toFixed(1)} ms)` : "";
  const loads = p.preloaded ? `, ${p.preloaded.length} fan-in${p.preloaded.length === 1 ? "" : "s"} pre-loaded` : "";
  return (
    `; plan ${p.planner} (${p.sla}): predicted ${p.predictedMakespanMs.toFixed(1)} ms${warm}, ${p.predictedCost.gbSeconds.toFixed(3)} GB-s${loads}; ` +
    `actual ${report.makespanMs.toFixed(1)} ms${diff(report.makespanMs, p.predictedMakespanMs)}, ${report.cost.gbSeconds.toFixed(3)} GB-s${diff(report.cost.gbSeconds, p.predictedCost.gbSeconds)}${fallback}`
  );
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** `; 8.0 MiB stored in Redis, 16.0 MiB kept off it (3 clustered, 1 fan-in placed, 2 delayed)`, for remote runs. */
function optimizationsLine(report: RunReport): string {
  const o = report.optimizations;
  if (!o) return "";
  const parts = [
    o.clustered > 0 ? `${o.clustered} clustered` : "",
    o.fanInsPlaced > 0 ? `${o.fanInsPlaced} fan-in${o.fanInsPlaced === 1 ? "" : "s"} placed` : "",
    o.delayed > 0 ? `${o.delayed} delayed` : "",
    o.preloaded > 0 ? `${o.preloaded} input${o.preloaded === 1 ? "" : "s"} pre-loaded` : "",
  ].filter((p) => p !== "");
  const warm = o.prewarmed ? `; ${o.prewarmed} worker${o.prewarmed === 1 ? "" : "s"} pre-warmed (${o.prewarmedUsed ?? 0} used)` : "";
  const stored = o.bytesWritten !== undefined ? `; ${mib(o.bytesWritten)} stored in Redis` : "";
  const kept = o.bytesNotStored > 0 || parts.length > 0 ? `, ${mib(o.bytesNotStored)} kept off it${parts.length > 0 ? ` (${parts.join(", ")})` : ""}` : "";
  return stored + kept + warm;
}
