/**
 * `run(input, { redis, planner })` on a real `dag-gateway` with two configurations of different
 * `cpus`: the first run has no history (the default plan runs and the report says why), later runs
 * are planned from the history the runs recorded and the configurations the gateway publishes; the
 * plan is applied (every task runs in the group its plan names: uniform on one configuration, then
 * the other; non-uniform wherever it placed each task), `report.plan` holds the
 * prediction, `formatRunSummary` prints predicted vs actual; a local run rejects planner options.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisHistory, formatRunSummary, InvalidOptionError, type RunReport } from "../../dist/index.js";
import type { CompiledModule } from "../local/compile-for-test.js";
import { compileGatewayTasks, GatewayHarness } from "../gateway/gateway-harness.js";

// A database of its own: the published configurations and the history are this test's alone.
const url = `${inject("redisUrl")}/5`;
const xs = Array.from({ length: 8 }, (_, i) => i + 1);
const expected = 4 + xs.reduce((s, x) => s + 2 * x, 0);
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  const history = await createRedisHistory(url);
  await history.clear();
  await history.close();
  gw = await GatewayHarness.start(url, {
    configurations: [
      { name: "fast", memoryMb: 1024, cpus: 1, threads: 2, maxWorkers: 2, keepAliveMs: 60_000 },
      { name: "slow", memoryMb: 256, cpus: 0.25, threads: 2, maxWorkers: 2, keepAliveMs: 60_000 },
    ],
  });
});
afterAll(async () => {
  // SIGTERM first: a gateway stopped so removes its workers' cgroups (SIGKILL could not).
  if (gw && gw.child.exitCode === null) {
    gw.child.kill("SIGTERM");
    await gw.exit;
  }
  await gw?.dispose();
  dispose();
});

function groupsRun(report: RunReport): Record<string, string> {
  return Object.fromEntries(report.tasks.map((t) => [t.instanceId, t.configuration]));
}

describe("planned remote runs", () => {
  it("rejects planner options on a local run, and bad ones on a remote run, before anything runs", async () => {
    const handle = mod.handle("mixed");
    await expect(handle.run(xs, { planner: "uniform" })).rejects.toThrow(InvalidOptionError);
    await expect(handle.run(xs, { planner: "uniform" })).rejects.toThrow(/options\.planner needs options\.redis/);
    await expect(handle.run(xs, { redis: url, planner: "fastest" as never })).rejects.toThrow(
      /options\.planner must be "wukong", "uniform", "non-uniform" or a Planner/,
    );
    await expect(handle.run(xs, { redis: url, planner: "uniform", sla: "p100" as never })).rejects.toThrow(/options\.sla must be "mean" or a percentile/);
    await expect(handle.run(xs, { redis: url, sla: "p90" })).rejects.toThrow(/options\.sla needs options\.planner/);
  });

  it("runs the default plan without history and says why, then plans from the recorded history and applies the plan", async () => {
    const handle = mod.handle("mixed");
    const first = await handle.run(xs, { redis: url, planner: "non-uniform", sla: "p90", report: true });
    expect(first.result).toBe(expected);
    expect(first.report.plan).toMatchObject({ planner: "non-uniform", sla: "p90" });
    expect(first.report.plan!.fallback).toMatch(/no history for this workflow yet/);
    // No `default` configuration is published: the default plan runs on the fastest one.
    expect(new Set(Object.values(groupsRun(first.report)))).toEqual(new Set(["fast"]));
    expect(formatRunSummary(first.report)).toMatch(
      /plan non-uniform \(p90\): predicted [\d.]+ ms, [\d.]+ GB-s; actual [\d.]+ ms \([+-][\d.]+ %\), [\d.]+ GB-s .*\[default plan: no history/,
    );

    // One more run on each configuration: uniform places everything on the fastest, then on `slow`.
    const fast = await handle.run(xs, { redis: url, planner: "uniform", report: true });
    expect(fast.report.plan!.fallback).toBeUndefined();
    expect(new Set(Object.values(groupsRun(fast.report)))).toEqual(new Set(["fast"]));
    const slow = await handle.run(xs, { redis: url, planner: "uniform", plannerOptions: { configuration: "slow" }, report: true });
    expect(new Set(Object.values(groupsRun(slow.report)))).toEqual(new Set(["slow"]));

    const planned = await handle.run(xs, { redis: url, planner: "non-uniform", report: true });
    expect(planned.result).toBe(expected);
    const plan = planned.report.plan!;
    expect(plan.fallback).toBeUndefined();
    expect(plan.samples.min).toBeGreaterThan(0);
    expect(plan.predictedMakespanMs).toBeGreaterThan(0);
    expect(plan.predictedCost.gbSeconds).toBeGreaterThan(0);
    // The plan was applied: each task ran in the configuration its plan named.
    const ran = groupsRun(planned.report);
    for (const [id, task] of Object.entries(plan.tasks)) {
      expect(ran[id], id).toBe(task.group);
      expect(task.endMs).toBeGreaterThanOrEqual(task.startMs);
    }
    // Which tasks move depends on the measured times (a busy machine changes them): the plan names
    // only published configurations, and its prediction covers every instance that ran.
    expect(Object.keys(plan.configurations).every((c) => c === "fast" || c === "slow")).toBe(true);
    expect(Object.keys(plan.tasks).sort()).toEqual(Object.keys(ran).sort());
    expect(formatRunSummary(planned.report)).toMatch(/plan non-uniform \(mean\): predicted [\d.]+ ms/);

    // Every planned run was recorded, with its prediction next to what it measured.
    const history = await createRedisHistory(url);
    try {
      const runs = await history.runs(planned.report.structure);
      expect(runs.map((r) => r.planner)).toEqual(["non-uniform", "uniform", "uniform", "non-uniform"]);
      expect(runs[0]).toMatchObject({ runId: planned.report.runId, predictedMakespanMs: plan.predictedMakespanMs, makespanMs: planned.report.makespanMs });
      expect(runs[3]!.fallback).toMatch(/no history/);
    } finally {
      await history.close();
    }
  }, 120_000);
});

describe("dag-plan", () => {
  it("prints the plan of a run from the recorded history and draws it as SVG, without running it", async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const cli = fileURLToPath(new URL("../../dist/cli/dag-plan.js", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "tl-plan-"));
    writeFileSync(join(dir, "input.json"), JSON.stringify(xs));
    const args = [cli, mod.source, "--workflow", "mixed", "--input", join(dir, "input.json"), "--redis", url, "--planner", "non-uniform", "--sla", "p90"];
    const printed = execFileSync(process.execPath, [...args, "--svg", join(dir, "plan.svg")], { encoding: "utf8" });
    expect(printed).toMatch(/^plan non-uniform \(p90\): predicted makespan [\d.]+ ms, cost [\d.]+ GB-s/);
    expect(printed).toMatch(/configuration fast: \d+ task\(s\) on \d+ worker\(s\)/);
    // The path depends on the measured times (links, or sleeps queued behind them on a busy machine).
    expect(printed).toMatch(/critical path \(\d+\): n\d+(\[\d+\])? Gw\.\w+ \[(fast|slow)\]( → n\d+(\[\d+\])? Gw\.\w+ \[(fast|slow)\])+\n/);
    expect(printed).not.toMatch(/default plan/);
    const svg = readFileSync(join(dir, "plan.svg"), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("critical path");
    expect(svg).toMatch(/fast: \d+ tasks, \d+ workers/);
    expect(svg).toContain('stroke="#d62728"');
    const json = JSON.parse(execFileSync(process.execPath, [...args, "--json"], { encoding: "utf8" })) as {
      plan: { defaultGroup: string };
      report: { planner: string };
    };
    expect(json.report.planner).toBe("non-uniform");
    expect(json.plan.defaultGroup).toMatch(/fast|slow/);
    // Nothing ran: the history has the same runs as before.
    const history = await createRedisHistory(url);
    try {
      expect(await history.runs(mod.manifest.workflows.length > 0 ? (await history.workflows())[0]!.structure : "")).toHaveLength(4);
    } finally {
      await history.close();
    }
  }, 60_000);
});

describe("planned runs against what they measure", () => {
  it("after three runs: the predicted makespan within 15 % of the measured one, and non-uniform cheaper than uniform at most 15 % slower", async () => {
    // Runs after the ones above (the history has runs on both configurations, and slow's workers are warm).
    const handle = mod.handle<number[], number>("mixed");
    const once = async (planner: "uniform" | "non-uniform"): Promise<RunReport> => {
      const { result, report } = await handle.run(xs, { redis: url, planner, report: true });
      expect(result).toBe(expected);
      expect(report.plan!.fallback).toBeUndefined();
      return report;
    };
    for (let i = 0; i < 3; i++) for (const p of ["uniform", "non-uniform"] as const) await once(p);
    // Then five alternating rounds. Each planner's median prediction against its median measured
    // makespan: on a busy 2-core machine one run's makespan swings by ±30 % from the next one's.
    const measured: Record<string, RunReport[]> = { uniform: [], "non-uniform": [] };
    for (let r = 0; r < 5; r++)
      for (const p of r % 2 === 0 ? (["uniform", "non-uniform"] as const) : (["non-uniform", "uniform"] as const)) measured[p]!.push(await once(p));
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const u = measured.uniform!;
    const n = measured["non-uniform"]!;
    const line = (r: RunReport): string =>
      `${r.plan!.planner}: predicted ${r.plan!.predictedMakespanMs.toFixed(0)} ms / measured ${r.makespanMs.toFixed(0)} ms, ${r.cost.gbSeconds.toFixed(3)} GB-s`;
    const detail = [...u, ...n].map(line).join("\n");
    for (const runs of [u, n]) {
      const predicted = median(runs.map((r) => r.plan!.predictedMakespanMs));
      const actual = median(runs.map((r) => r.makespanMs));
      expect(Math.abs(predicted - actual) / actual, detail).toBeLessThanOrEqual(0.15);
    }
    // Non-uniform moves sleeps off the fast configuration: cheaper, and its chain is as fast.
    expect(median(n.map((r) => r.cost.gbSeconds)), detail).toBeLessThan(median(u.map((r) => r.cost.gbSeconds)));
    expect(median(n.map((r) => r.makespanMs)), detail).toBeLessThanOrEqual(1.15 * median(u.map((r) => r.makespanMs)));
  }, 180_000);
});
