/**
 * The plan's optimizations follow each task's own switch (`@task({ optimizations })`) where the
 * run set none: a worker whose first task switches pre-warm off is not pre-warmed, a fan-in that
 * switches pre-load off is not listed as pre-loaded; the run's explicit switch wins.
 */
import { describe, expect, it } from "vitest";
import { buildPredictions, planGraphOf, plannedRun, type HistorySamples, type WorkerConfiguration } from "../../dist/index.js";
import type { OptimizationSwitches } from "@taskloom/sdk";
import { withPlanOptimizations } from "../../dist/planning/plan-optimizations.js";
import { defaultOptimizationSettings, isOn, type OptimizationName } from "../../dist/scheduling/optimizations.js";

const config = (name: string, warmWorkers: number[]): WorkerConfiguration => ({
  name,
  memoryMb: 512,
  cpus: 1,
  cpusEnforced: true,
  threads: 1,
  maxWorkers: 4,
  keepAliveMs: 60_000,
  warmWorkers,
});
// `a` has warm workers; `b` none: its first task waits for a cold start unless pre-warmed.
const configurations = [config("a", [60_000, 60_000]), config("b", [])];
const history: HistorySamples = {
  structure: "s",
  workflow: "w",
  runs: 3,
  tasks: ["slow", "after", "part", "join"].flatMap((task) =>
    ["a", "b"].map((configuration) => ({
      task,
      configuration,
      count: 4,
      samples: Array.from({ length: 4 }, () => ({
        at: 1,
        inputBytes: 100,
        outputBytes: 100,
        executionMs: task === "slow" ? 2000 : 10,
        queueWaitMs: 1,
        fetchMs: 0,
        fetchBytes: 0,
        storeMs: 0,
        storeBytes: 0,
        updateMs: 0.1,
        cold: false,
        cpu: 0.9,
      })),
    })),
  ),
  transfers: {},
  lengths: {},
};
const predictions = buildPredictions({ history, configurations, starts: { a: { cold: [500], warm: [1] }, b: { cold: [500], warm: [1] } }, sla: "mean" });

describe("plan optimizations per task", () => {
  // slow (on a) → after (on b, cold): pre-warm asks for a worker of b before `after` is ready.
  const chain = { graph: planGraphOf(["slow", "after"], [[], [0]], { results: [1] }), predictions, configurations };
  const chainPlan = () => plannedRun("split", chain, { groups: ["a", "b"], colocate: [] });

  it("pre-warm: on by default, off for a worker whose first task switches it off, the run's switch first", () => {
    expect(withPlanOptimizations(chain, chainPlan()).prewarm?.requests).toEqual([{ group: "b", atMs: expect.any(Number) }]);
    const taskOff = (name: string, task: string) => !(name === "prewarm" && task === "after");
    const off = withPlanOptimizations(chain, chainPlan(), taskOff);
    expect(off.prewarm).toBeUndefined();
    expect(off.report.prewarm).toBeUndefined();
    // As a planned run composes them: the run's explicit switch, else the task's own (`after` says off).
    const runSays = (switches: OptimizationSwitches) => (name: OptimizationName, task: string) =>
      isOn({ ...defaultOptimizationSettings(), switches }, task === "after" ? { optimizations: { prewarm: false } } : {}, name);
    expect(withPlanOptimizations(chain, chainPlan(), runSays({})).prewarm).toBeUndefined();
    expect(withPlanOptimizations(chain, chainPlan(), runSays({ prewarm: true })).prewarm?.requests).toHaveLength(1);
  });

  it("pre-load: a co-located fan-in is listed unless its task switches pre-load off", () => {
    const fanIn = { graph: planGraphOf(["part", "part", "part", "join"], [[], [], [], [0, 1, 2]], { results: [3] }), predictions, configurations };
    const plan = () => plannedRun("colocated", fanIn, { groups: ["a", "a", "a", "a"], colocate: ["k0", "k1", "k2", "k0"] });
    const id = fanIn.graph.ids[3]!;
    expect(withPlanOptimizations(fanIn, plan()).report.preloaded).toEqual([id]);
    expect(withPlanOptimizations(fanIn, plan(), (name, task) => !(name === "preload" && task === "join")).report.preloaded).toBeUndefined();
  });
});
