#!/usr/bin/env node
/**
 * `dag-plan <module.ts> --workflow <name> --input <file.json> --redis <url> [--planner <p>] [--sla <s>]
 * [--slack-pct <n>] [--configuration <name>] [--history redis|<file.sqlite>] [--prefix <p>] [--svg <file>] [--json]`:
 * plans a run of a compiled workflow as `run(input, { redis, planner })` would, without running it,
 * and prints the plan: predicted makespan and cost, tasks per configuration, the critical path.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { ModuleManifest } from "@taskloom/sdk/internal";
import { planRun } from "../client/remote/planned-run.js";
import { resolvePlanner } from "../planning/planners.js";
import type { PlanReport } from "../planning/plan-report.js";
import { planSvg } from "../planning/plan-svg.js";
import { parseSla } from "../planning/sla.js";
import { taskNamesOf } from "../protocol/manifest-check.js";
import { connectRedis } from "../store/redis-connection.js";
import { REDIS_URL_ENV, redactRedisUrl } from "../store/redis-url.js";

const USAGE = `usage: dag-plan <module.ts> --workflow <name> --input <file.json> --redis <url>
         [--planner wukong|uniform|non-uniform] [--sla mean|p50..p99] [--slack-pct <n>] [--configuration <name>]
         [--history redis|<file.sqlite>] [--prefix <p>] [--svg <file>] [--json]`;

/** The manifest dag-compile wrote for `<dir>/<name>.ts`: `<dir>/.taskloom/<name>.manifest.json`. */
function loadManifest(source: string): ModuleManifest {
  const file = join(dirname(source), ".taskloom", `${basename(source).replace(/\.[cm]?[jt]sx?$/, "")}.manifest.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ModuleManifest;
  } catch (cause) {
    throw new Error(`cannot read ${file} (compile ${source} with npx dag-compile first): ${(cause as Error).message}`, { cause });
  }
}

/** The plan as `dag-plan` prints it. */
export function formatPlan(plan: PlanReport, ids: (id: string) => string): string {
  const lines = [
    `plan ${plan.planner} (${plan.sla}): predicted makespan ${plan.predictedMakespanMs.toFixed(1)} ms, cost ${plan.predictedCost.gbSeconds.toFixed(3)} GB-s, planned in ${plan.planningMs.toFixed(1)} ms`,
  ];
  if (plan.fallback) lines.push(`default plan: ${plan.fallback}`);
  lines.push(
    `samples: at least ${plan.samples.min} per task, ${plan.samples.total} in all${plan.samples.tasksWithout.length > 0 ? `; none for ${plan.samples.tasksWithout.join(", ")}` : ""}`,
  );
  if (plan.predictedInstances > 0) lines.push(`${plan.predictedInstances} instance(s) from predicted fan-out lengths`);
  for (const [name, c] of Object.entries(plan.configurations).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    lines.push(`configuration ${name}: ${c.tasks} task(s) on ${c.workers} worker(s), ${c.gbSeconds.toFixed(3)} GB-s`);
  }
  if (plan.prewarm) {
    const asks = plan.prewarm.requests.map((r) => `${r.group} at ${r.atMs.toFixed(0)} ms`).join(", ");
    lines.push(
      `pre-warm: ${plan.prewarm.requests.length} worker(s) started early (${asks}); predicted gain ${plan.prewarm.gainMs.toFixed(1)} ms (${plan.prewarm.withoutMs.toFixed(1)} ms without)`,
    );
  }
  if (plan.preloaded) lines.push(`pre-load: ${plan.preloaded.length} fan-in(s) read their inputs as they are made: ${plan.preloaded.map(ids).join(", ")}`);
  lines.push(`critical path (${plan.criticalPath.length}): ${plan.criticalPath.map((id) => `${ids(id)} [${plan.tasks[id]?.group}]`).join(" → ")}`);
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workflow: { type: "string" },
      input: { type: "string" },
      redis: { type: "string" },
      planner: { type: "string", default: "non-uniform" },
      sla: { type: "string", default: "mean" },
      "slack-pct": { type: "string" },
      configuration: { type: "string" },
      history: { type: "string", default: "redis" },
      prefix: { type: "string" },
      svg: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const redis = values.redis ?? process.env[REDIS_URL_ENV];
  if (positionals.length !== 1 || !values.workflow || !redis) throw new Error(`a module, --workflow and --redis (or ${REDIS_URL_ENV}) are required\n${USAGE}`);
  const manifest = loadManifest(positionals[0]!);
  const workflow = manifest.workflows.find((w) => w.name === values.workflow);
  if (!workflow)
    throw new Error(`${positionals[0]} has no workflow ${JSON.stringify(values.workflow)} (it has: ${manifest.workflows.map((w) => w.name).join(", ")})`);
  const input = values.input === undefined ? undefined : (JSON.parse(readFileSync(values.input, "utf8")) as unknown);
  const slack = values["slack-pct"] === undefined ? undefined : Number(values["slack-pct"]);
  const options = { ...(slack !== undefined ? { slackPct: slack } : {}), ...(values.configuration ? { configuration: values.configuration } : {}) };
  const planning = { planner: resolvePlanner(values.planner, "--planner"), sla: parseSla(values.sla, "--sla"), options, history: values.history };
  const conn = await connectRedis(redis);
  try {
    const { planned, graph, close } = await planRun({ manifest, workflow, input, planning }, conn, values.prefix);
    await close();
    const names = taskNamesOf(manifest);
    const index = new Map(graph.ids.map((id, i) => [id, i]));
    const label = (id: string): string => `${id} ${names.get(graph.tasks[index.get(id)!]!) ?? ""}`.trim();
    console.log(values.json ? JSON.stringify(planned, null, 2) : formatPlan(planned.report, label));
    if (values.svg) {
      writeFileSync(values.svg, planSvg(graph, planned.report, names));
      if (!values.json) console.log(`drawn: ${values.svg}`);
    }
  } catch (error) {
    throw new Error(`dag-plan (${redactRedisUrl(redis)}): ${(error as Error).message}`, { cause: error });
  } finally {
    conn.disconnect();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 2;
  },
);
