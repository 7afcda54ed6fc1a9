import type { ExecutionContext } from "../executor.js";
import type { HistoryStore } from "../../history/history-store.js";
import { historyRunOf } from "../../history/history-run.js";
import { createSqliteHistory } from "../../history/sqlite-history-store.js";
import { buildPlanGraph, type PlanGraph } from "../../planning/plan-graph.js";
import type { PlannedRun } from "../../planning/planner.js";
import type { PlannedPrewarm } from "../../planning/plan-report.js";
import { buildPredictions, type StartSamples } from "../../planning/predictions.js";
import type { WorkerConfiguration } from "../../planning/worker-configuration.js";
import { withPlanOptimizations } from "../../planning/plan-optimizations.js";
import type { OptimizationSwitches } from "@taskloom/sdk";
import type { RunReport } from "../../report/run-report.js";
import { manifestInline } from "../../scheduling/inline-functions.js";
import { defaultOptimizationSettings, isOn, type OptimizationName } from "../../scheduling/optimizations.js";
import { taskOptionsOf } from "../../protocol/manifest-check.js";
import { workflowStructure } from "../../scheduling/workflow-structure.js";
import { readGatewayConfigurations, type GatewayConfigurations } from "../../store/gateway-configurations.js";
import type { RedisConnection } from "../../store/redis-connection.js";
import { createRedisHistory } from "../../store/redis-history-store.js";

/**
 * The configurations planners see: the live gateways' entries merged by name (`maxWorkers` and the
 * warm workers summed over the gateways serving a configuration; a quota counts as enforced only
 * when every gateway enforces it), sorted by name.
 */
export function mergeConfigurations(published: GatewayConfigurations): WorkerConfiguration[] {
  const byName = new Map<string, WorkerConfiguration & { warmWorkers: number[] }>();
  for (const g of published.gateways) {
    for (const c of g.configurations) {
      const seen = byName.get(c.name);
      if (!seen) {
        byName.set(c.name, { ...c, cpus: c.cpus, warmWorkers: [...c.warmWorkers] });
        continue;
      }
      byName.set(c.name, {
        ...seen,
        cpusEnforced: seen.cpusEnforced && c.cpusEnforced,
        maxWorkers: seen.maxWorkers + c.maxWorkers,
        warmWorkers: [...seen.warmWorkers, ...c.warmWorkers],
      });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A planned run's plan, and what it needs to record the run in the history afterwards. */
export interface RunPlanning {
  planned: PlannedRun & { prewarm?: PlannedPrewarm };
  history: HistoryStore;
  /** Closes the history when the run opened it (a SQLite file). */
  close(): Promise<void>;
}

/** Opens the history a planned run reads and records: the run's Redis (its connection and prefix) or a SQLite file. */
async function openHistory(location: string, conn: RedisConnection, prefix: string | undefined): Promise<{ history: HistoryStore; owned: boolean }> {
  if (location === "redis") return { history: await createRedisHistory(conn, prefix !== undefined ? { prefix } : {}), owned: false };
  return { history: await createSqliteHistory(location), owned: true };
}

/** What {@link planRun} plans: a workflow of a module on an input, with a planner. */
export interface PlanRequest {
  manifest: ExecutionContext["manifest"];
  workflow: ExecutionContext["workflow"];
  input: unknown;
  planning: NonNullable<ExecutionContext["options"]["planning"]>;
  /** The run's optimization switches: pre-warm and pre-load show in the plan unless switched off. */
  switches?: OptimizationSwitches;
}

/**
 * Plans a run: reads the workflow's history and the configurations the gateways publish, builds
 * the plan graph (fan-out lengths from the history), the predictions, and lets the planner place
 * the instances. `run(input, { planner })` and `dag-plan` call it.
 */
export async function planRun(ctx: PlanRequest, conn: RedisConnection, prefix: string | undefined): Promise<RunPlanning & { graph: PlanGraph }> {
  const planning = ctx.planning;
  const { history, owned } = await openHistory(planning.history, conn, prefix);
  try {
    const [samples, published] = await Promise.all([history.samples(workflowStructure(ctx.workflow)), readGatewayConfigurations(conn, prefix)]);
    const configurations = mergeConfigurations(published);
    const starts: Record<string, StartSamples> = {};
    for (const [name, s] of Object.entries(published.starts))
      starts[name] = { cold: s.coldMs !== undefined ? [s.coldMs] : [], warm: s.warmMs !== undefined ? [s.warmMs] : [] };
    const latest = (key: string): number | undefined => samples?.lengths[key]?.at(-1);
    const graph = buildPlanGraph(ctx.workflow, ctx.input, { length: latest, arm: latest, inline: manifestInline(ctx.manifest) });
    const predictions = buildPredictions({ history: samples, configurations, starts, sla: planning.sla });
    const input = { graph, predictions, configurations, options: planning.options };
    const settings = { ...defaultOptimizationSettings(), switches: ctx.switches ?? {} };
    const on = (name: OptimizationName, task: string): boolean => isOn(settings, taskOptionsOf(ctx.manifest, task), name);
    const planned = withPlanOptimizations(input, planning.planner.plan(input), on);
    return { planned, graph, history, close: async () => (owned ? history.close() : undefined) };
  } catch (error) {
    if (owned) await history.close();
    throw error;
  }
}

/** Records a finished planned run in its history (samples, lengths, summary, plan and report). */
export async function recordPlannedRun(
  planning: RunPlanning,
  ctx: ExecutionContext,
  report: RunReport,
  lengths: ReadonlyMap<string, number> | undefined,
): Promise<void> {
  await planning.history.record(historyRunOf(report, { className: ctx.workflow.className, plan: planning.planned.report, ...(lengths ? { lengths } : {}) }));
}
