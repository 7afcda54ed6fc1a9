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
  return `${report.workflow}: ${c.tasks} tasks in ${report.makespanMs.toFixed(1)} ms (${rate} tasks/s) on ${where}, ${c.batches} batches, ${c.retries} retries${failed}`;
}
