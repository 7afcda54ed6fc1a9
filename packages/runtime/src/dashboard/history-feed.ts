import type { HistoryStore } from "../history/history-store.js";
import type { HistoryRunSummary } from "../history/history-types.js";
import { graphOfInstances } from "./dashboard-graph.js";
import type { RunSink } from "./run-view.js";
import { RunView } from "./run-view.js";
import { measuresOfReport } from "./task-measures.js";
import { planViewOf } from "./run-plan-view.js";

/**
 * Feeds a dashboard with the runs a history store keeps (`dag-dashboard --history <file>`): each
 * kept run with a detail appears as a past run, its tasks from its report (the history keeps up to
 * 2,000 per run). Read again every `pollMs` for runs recorded since.
 */
export class HistoryFeed {
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly history: HistoryStore,
    private readonly server: RunSink,
    private readonly pollMs = 2_000,
  ) {}

  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => void this.read().catch(() => undefined), this.pollMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Adds the kept runs not seen yet. */
  async read(): Promise<void> {
    for (const wf of await this.history.workflows()) {
      for (const summary of await this.history.runs(wf.structure)) {
        if (this.seen.has(summary.runId) || this.server.runs.has(summary.runId)) continue;
        this.seen.add(summary.runId);
        this.server.addRun(await this.viewOf(wf.structure, summary));
      }
    }
  }

  /** A kept run's view, from its detail in the history (read again when the dashboard dropped its tasks). */
  private async viewOf(structure: string, summary: HistoryRunSummary): Promise<RunView> {
    const detail = await this.history.run(structure, summary.runId);
    const report = detail?.report;
    const view = new RunView(summary.runId, summary.workflow, { nodes: [], edges: [] }, summary.at, summary.planner, "history");
    for (const t of report?.tasks ?? []) view.measured(measuresOfReport(t));
    if (report?.cost) view.knownGbSeconds = report.cost.gbSeconds;
    const plan = detail?.plan ?? report?.plan;
    if (plan) view.plan = planViewOf(plan);
    view.graph = graphOfInstances(view.tasks.values());
    view.end(summary.status === "succeeded" ? "done" : "failed", summary.at + summary.makespanMs);
    view.reload = () => this.viewOf(structure, summary);
    return view;
  }
}
