import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import type { RunEvent } from "../protocol/run-events.js";
import { dashboardGraphOf } from "./dashboard-graph.js";
import { startDashboardServer, type DashboardServer } from "./dashboard-server.js";
import { RunView } from "./run-view.js";
import { measuresOfReport } from "./task-measures.js";
import { argumentsOf } from "./task-arguments.js";
import type { RunReport } from "../report/run-report.js";
import { taskNameOf } from "../protocol/manifest-check.js";
import type { TaskInstance } from "../scheduling/task-instance.js";

let shared: Promise<DashboardServer> | undefined;

/** The process's own dashboard (127.0.0.1, a free port, never keeping the process alive). */
export function processDashboard(): Promise<DashboardServer> {
  shared ??= startDashboardServer({ port: Number(process.env.TASKLOOM_DASHBOARD_PORT ?? 0), unref: true }).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** A run shown on the process's dashboard: feed it events, then end it. */
export interface WatchedRun {
  readonly runId: string;
  readonly url: string;
  onEvent(event: RunEvent): void;
  /** A local run handed these instances to a thread: they show running (until their events say more). */
  batchStarted(instances: readonly TaskInstance[], at: number): void;
  /** The run ended: done with its output, else failed or aborted; its report (when there is one) adds each task's measurements. */
  end(ok: boolean, aborted?: boolean, outcome?: { output?: unknown; report?: RunReport }): void;
}

/**
 * Shows a run on the process's dashboard (`run(input, { dashboard: true })`): prints its page's
 * URL on stderr and returns the sink for its events.
 */
export async function watchOnProcessDashboard(
  manifest: ModuleManifest,
  workflow: WorkflowIR,
  executor: "local" | "remote",
  runId: string,
  input: unknown,
): Promise<WatchedRun> {
  const server = await processDashboard();
  const view = new RunView(runId, workflow.name, dashboardGraphOf(manifest, workflow), Date.now(), executor === "local" ? "local" : "wukong", executor);
  if (workflow.hasInput) view.setInput(input);
  // Fan-outs over task results are not recorded here (the local run keeps their lengths): those instances say so.
  view.readArguments = async (id) => argumentsOf(workflow, input, new Map(), id);
  server.addRun(view);
  const url = server.runUrl(runId);
  process.stderr.write(`taskloom dashboard: ${url}\n`);
  return {
    runId,
    url,
    onEvent: (event) => view.apply(event),
    batchStarted: (instances, at) => {
      for (const inst of instances) {
        const attempt = Math.max(1, view.tasks.get(inst.id)?.attempt ?? 0);
        view.running({ instanceId: inst.id, task: inst.task, name: taskNameOf(manifest, inst.task), worker: "local", at, attempt });
      }
    },
    end: (ok, aborted, outcome) => {
      for (const t of outcome?.report?.tasks ?? []) view.measured(measuresOfReport(t));
      if (outcome?.report?.cost) view.knownGbSeconds = outcome.report.cost.gbSeconds;
      view.end(ok ? "done" : aborted ? "aborted" : "failed", Date.now(), ok ? { value: outcome?.output } : undefined);
    },
  };
}
