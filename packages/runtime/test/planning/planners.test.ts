/** Golden plans of the built-in planners on small graphs, slack, the simulation's cold starts and capacity, determinism, a 10,000-instance plan. */
import { describe, expect, it } from "vitest";
import { criticalPathInput } from "../../../../bench/lib/plan-workload.js";
import {
  buildPredictions,
  nonUniformPlanner,
  planGraphOf,
  simulate,
  uniformPlanner,
  wukongPlanner,
  type HistorySamples,
  type PlanGraph,
  type TaskSample,
  type WorkerConfiguration,
} from "../../dist/index.js";

function graph(tasks: string[], deps: number[][], results: number[] = [tasks.length - 1]): PlanGraph {
  return planGraphOf(tasks, deps, { results });
}

const sample = (executionMs: number, cpu: number): TaskSample => ({
  at: 1,
  inputBytes: 100,
  outputBytes: 100,
  executionMs,
  queueWaitMs: 1,
  fetchMs: 0,
  fetchBytes: 0,
  storeMs: 0,
  storeBytes: 0,
  updateMs: 0.1,
  cold: false,
  cpu,
});

function history(perTask: Record<string, [config: string, ms: number, cpu: number][]>): HistorySamples {
  return {
    structure: "s",
    workflow: "w",
    runs: 3,
    tasks: Object.entries(perTask).flatMap(([task, list]) =>
      list.map(([configuration, ms, cpu]) => ({ task, configuration, count: 8, samples: Array.from({ length: 8 }, () => sample(ms, cpu)) })),
    ),
    transfers: {},
    lengths: {},
  };
}

const config = (name: string, memoryMb: number, cpus: number, extra: Partial<WorkerConfiguration> = {}): WorkerConfiguration => ({
  name,
  memoryMb,
  cpus,
  cpusEnforced: true,
  threads: 1,
  maxWorkers: 8,
  keepAliveMs: 60_000,
  warmWorkers: [60_000, 60_000, 60_000, 60_000],
  ...extra,
});
const fast = config("fast", 2048, 2);
const slow = config("slow", 512, 0.5);
const starts = { fast: { cold: [300], warm: [1] }, slow: { cold: [300], warm: [1] } };

// A CPU-heavy chain (h0 → h1 → h2, 100 ms each on `fast`) beside short tasks (s, 2 ms), all joined by `end`.
const heavyAndShort = graph(["heavy", "heavy", "heavy", "short", "short", "short", "end"], [[], [0], [1], [], [], [], [2, 3, 4, 5]]);
const heavyHistory = history({ heavy: [["fast", 100, 0.95]], short: [["fast", 2, 0.05]], end: [["fast", 1, 0.1]] });

describe("planners", () => {
  const input = {
    graph: heavyAndShort,
    predictions: buildPredictions({ history: heavyHistory, configurations: [fast, slow], starts, sla: "mean" }),
    configurations: [fast, slow],
  };

  it("wukong: every task in the default group (the fastest when none is named default), no keys, a predicted makespan", () => {
    const { plan, report } = wukongPlanner.plan(input);
    expect(plan).toEqual({ defaultGroup: "fast", planner: "wukong" });
    expect(report.predictedMakespanMs).toBeGreaterThan(300);
    expect(Object.values(report.tasks).every((t) => t.group === "fast")).toBe(true);
    const withDefault = [fast, slow, config("default", 1024, 1)];
    expect(wukongPlanner.plan({ ...input, configurations: withDefault }).plan).toEqual({ defaultGroup: "default", planner: "wukong" });
    expect(wukongPlanner.plan({ ...input, configurations: [] }).plan.defaultGroup).toBe("default");
  });

  it("uniform: all on the fastest, the chain on one worker, the fan-in with its largest input", () => {
    const { plan, report } = uniformPlanner.plan(input);
    expect(plan.defaultGroup).toBe("fast");
    expect(plan.groups).toBeUndefined();
    expect(plan.colocate?.n1).toBe(plan.colocate?.n0);
    expect(plan.colocate?.n2).toBe(plan.colocate?.n0);
    expect(report.tasks.n0!.worker).toBe(report.tasks.n2!.worker);
    expect(report.criticalPath).toEqual(["n0", "n1", "n2", "n6"]);
    // 3 × 100 ms of chain plus the end: within a few ms.
    expect(report.predictedMakespanMs).toBeGreaterThan(300);
    expect(report.predictedMakespanMs).toBeLessThan(320);
    expect(uniformPlanner.plan({ ...input, options: { configuration: "slow" } }).plan.defaultGroup).toBe("slow");
  });

  it("non-uniform: the critical path on the fastest, the short tasks on the cheapest, cheaper within the slack", () => {
    const uniform = uniformPlanner.plan(input).report;
    const { plan, report } = nonUniformPlanner.plan(input);
    expect(plan.defaultGroup).toBe("fast");
    expect(plan.groups).toEqual({ n3: "slow", n4: "slow", n5: "slow" });
    expect(report.predictedCost.gbSeconds).toBeLessThan(uniform.predictedCost.gbSeconds);
    expect(report.predictedMakespanMs).toBeLessThanOrEqual(uniform.predictedMakespanMs * 1.05 + 1e-6);
    // Deterministic: the same inputs give the same plan and times.
    const again = nonUniformPlanner.plan(input);
    expect(again.plan).toEqual(plan);
    expect(again.report.tasks).toEqual(report.tasks);
  });

  it("non-uniform: a move that would take the run past slackPct is rejected", () => {
    // h0 → h1 → h2 (300 ms, critical) beside s3 → s4 (200 ms), both results; CPU bound: 2× slower on `slow`.
    const g = graph(["heavy", "heavy", "heavy", "side", "side"], [[], [0], [1], [], [3]], [2, 4]);
    const h = history({ heavy: [["fast", 100, 0.95]], side: [["fast", 100, 0.95]] });
    const slackInput = {
      graph: g,
      predictions: buildPredictions({ history: h, configurations: [fast, slow], starts, sla: "mean" }),
      configurations: [fast, slow],
    };
    const uniform = uniformPlanner.plan(slackInput).report;
    // s3 on `slow` (200 ms) still ends before the chain; s4 there too would end near 400 ms: past 5 %.
    const five = nonUniformPlanner.plan(slackInput);
    expect(five.plan.groups).toEqual({ n3: "slow" });
    expect(five.report.predictedMakespanMs).toBeLessThanOrEqual(uniform.predictedMakespanMs * 1.05 + 1e-6);
    // With 50 % of slack both side tasks move, and the plan is slower than the all-fastest one.
    const fifty = nonUniformPlanner.plan({ ...slackInput, options: { slackPct: 50 } });
    expect(fifty.plan.groups).toEqual({ n3: "slow", n4: "slow" });
    expect(fifty.report.predictedMakespanMs).toBeGreaterThan(uniform.predictedMakespanMs * 1.2);
    expect(fifty.report.predictedMakespanMs).toBeLessThanOrEqual(uniform.predictedMakespanMs * 1.5 + 1e-6);
    // With none, a move is kept only when the makespan does not grow: s4 alone on slow ends with the
    // chain (which pays its continuations' start latency), s3 there as well would end 100 ms after it.
    const none = nonUniformPlanner.plan({ ...slackInput, options: { slackPct: 0 } });
    expect(none.report.predictedMakespanMs).toBeLessThanOrEqual(uniform.predictedMakespanMs + 1e-6);
    expect(none.plan.groups?.n3).toBeUndefined();
    expect(() => nonUniformPlanner.plan({ ...slackInput, options: { slackPct: -1 } })).toThrow(/slackPct must be a finite number >= 0/);
  });

  it("non-uniform on 10,000 instances: within the slack of the all-fastest plan, cheaper, and the same plan twice", () => {
    const big = criticalPathInput(10_000);
    const uniform = uniformPlanner.plan(big).report;
    const { plan, report } = nonUniformPlanner.plan(big);
    expect(Object.keys(report.tasks)).toHaveLength(big.graph.size);
    expect(report.predictedMakespanMs).toBeLessThanOrEqual(uniform.predictedMakespanMs * 1.05 + 1e-6);
    expect(report.predictedCost.gbSeconds).toBeLessThan(uniform.predictedCost.gbSeconds * 0.9);
    // The critical path of the all-fastest plan stays on the fastest configuration.
    for (const id of uniform.criticalPath) expect(report.tasks[id]!.group).toBe("fast");
    expect(Object.keys(report.configurations).sort()).toEqual(["fast", "medium", "small"]);
    expect(nonUniformPlanner.plan(big).plan).toEqual(plan);
  });

  it("no history: the default plan, and the report says why", () => {
    const p = buildPredictions({ history: undefined, configurations: [fast, slow], sla: "p90" });
    const { plan, report } = nonUniformPlanner.plan({ graph: heavyAndShort, predictions: p, configurations: [fast, slow] });
    // The default plan, on the fastest configuration: none is named `default`.
    expect(plan.defaultGroup).toBe("fast");
    expect(plan.groups).toBeUndefined();
    expect(report.fallback).toMatch(/no history/);
  });
});

describe("simulation", () => {
  const g = graph(["t", "t", "t", "t"], [[], [], [], []], [0, 1, 2, 3]);
  const h = history({ t: [["c", 100, 0.9]] });

  it("cold starts: without warm workers the first tasks wait for a worker start", () => {
    const cold = config("c", 1024, 1, { warmWorkers: [], maxWorkers: 4 });
    const p = buildPredictions({ history: h, configurations: [cold], starts: { c: { cold: [300], warm: [1] } }, sla: "mean" });
    const sim = simulate(g, p, new Map([["c", cold]]), { groups: ["c", "c", "c", "c"], colocate: [] });
    expect(sim.workers).toHaveLength(4);
    expect(Math.min(...sim.startMs)).toBeGreaterThanOrEqual(300);
    expect(sim.makespanMs).toBeGreaterThan(400);
    expect(sim.makespanMs).toBeLessThan(420);
    // The cost bills each worker's cold start.
    expect(sim.cost.gbSeconds).toBeCloseTo(4 * 1 * 0.4, 1);
  });

  it("capacity: with maxWorkers 1 the tasks queue on one worker", () => {
    const one = config("c", 1024, 1, { warmWorkers: [60_000], maxWorkers: 1 });
    const p = buildPredictions({ history: h, configurations: [one], starts: { c: { cold: [300], warm: [1] } }, sla: "mean" });
    const sim = simulate(g, p, new Map([["c", one]]), { groups: ["c", "c", "c", "c"], colocate: [] });
    expect(sim.workers).toHaveLength(1);
    expect(sim.makespanMs).toBeGreaterThan(400);
    expect(sim.makespanMs).toBeLessThan(420);
  });
});
