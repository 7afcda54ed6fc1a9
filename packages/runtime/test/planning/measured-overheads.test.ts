/**
 * What the simulation adds beside the tasks' own times, as measured in the runs: the turnaround of
 * a worker's thread between two tasks, and the client's read of the result.
 */
import { describe, expect, it } from "vitest";
import {
  buildPredictions,
  historyRunOf,
  planGraphOf,
  simulate,
  turnaroundsOf,
  type HistorySamples,
  type RunReport,
  type TaskReport,
  type TaskSample,
  type WorkerConfiguration,
} from "../../dist/index.js";

/** A finished task of a report: on `worker`/`thread`, queued, started and finished at those ms. */
function task(
  id: string,
  worker: string,
  thread: number,
  queuedAt: number,
  startedAt: number,
  finishedAt: number,
  storeMs = 0,
  updateMs = 0,
  fetchMs = 0,
): TaskReport {
  return {
    instanceId: id,
    task: "t",
    name: "t",
    status: "finished",
    worker,
    thread,
    attempts: 1,
    queuedAt,
    startedAt,
    finishedAt,
    queueWaitMs: startedAt - queuedAt,
    executionMs: finishedAt - startedAt,
    inputBytes: 100,
    outputBytes: 100,
    configuration: "fast",
    start: "warm",
    inputFetchMs: fetchMs,
    inputSources: { memory: 100, thread: 0, redis: 0 },
    outputStoreMs: storeMs,
    outputStoredBytes: 0,
    dependencyUpdateMs: updateMs,
    cpuFraction: 1,
    planner: "uniform",
  };
}

const sample = (extra: Partial<TaskSample> = {}): TaskSample => ({
  at: 1,
  inputBytes: 100,
  outputBytes: 100,
  executionMs: 10,
  queueWaitMs: 1,
  fetchMs: 0,
  fetchBytes: 0,
  storeMs: 0,
  storeBytes: 0,
  updateMs: 0,
  cold: false,
  cpu: 0.95,
  ...extra,
});

const fast: WorkerConfiguration = {
  name: "fast",
  memoryMb: 1024,
  cpus: 1,
  cpusEnforced: true,
  threads: 1,
  maxWorkers: 1,
  keepAliveMs: 60_000,
  warmWorkers: [60_000],
};

function history(samples: TaskSample[], transfers: HistorySamples["transfers"] = {}): HistorySamples {
  return { structure: "s", workflow: "w", runs: 1, tasks: [{ task: "t", configuration: "fast", count: samples.length, samples }], transfers, lengths: {} };
}

describe("measured overheads", () => {
  it("a thread's turnaround: from the task before it done (end, store, completion) to its start, only when it was waiting", () => {
    const got = turnaroundsOf([
      task("a", "w1", 1, 0, 1, 11, 2, 3), // done at 16
      task("b", "w1", 1, 5, 25, 30), // waiting since 5: turnaround 25 - 16 = 9
      task("c", "w1", 1, 100, 101, 110), // queued after b was done: its thread was idle, no sample
      task("d", "w1", 2, 0, 2, 40), // another thread: its first task, no sample
      task("e", "w1", 2, 39, 38, 50), // overlaps d on its thread: no sample
      task("f", "w1", 2, 45, 60, 70, 0, 0, 4), // waiting since 45, d done at 40... e done at 50: 10, less its own 4 ms fetch
    ]);
    expect([...got]).toEqual([
      ["b", 9],
      ["f", 6],
    ]);
  });

  it("the simulation starts a thread's next task one measured turnaround after its last, queued work included", () => {
    // Two roots on one worker with one thread: the second waits in the queue for the first.
    const g = planGraphOf(["t", "t"], [[], []], { results: [] });
    const placement = { groups: ["fast", "fast"], colocate: [] };
    const configs = new Map([["fast", fast]]);
    const without = simulate(g, buildPredictions({ history: history([sample(), sample()]), configurations: [fast], sla: "mean" }), configs, placement);
    const withTurnaround = simulate(
      g,
      buildPredictions({ history: history([sample({ turnaroundMs: 20 }), sample({ turnaroundMs: 40 })]), configurations: [fast], sla: "mean" }),
      configs,
      placement,
    );
    expect(withTurnaround.startMs[1]! - withTurnaround.endMs[0]!).toBeCloseTo(30, 6);
    expect(without.startMs[1]! - without.endMs[0]!).toBeLessThan(2);
  });

  it("the makespan ends when the client has read the result: a large result adds its transfer", () => {
    const transfers = {
      fast: [100, 250_000, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000].map((bytes) => ({
        kind: "fetch" as const,
        bytes,
        ms: 1 + bytes / 50_000,
      })),
    };
    const p = buildPredictions({ history: history([sample({ outputBytes: 2_000_000 })], transfers), configurations: [fast], sla: "mean" });
    const g = planGraphOf(["t"], [[]]);
    const sim = simulate(g, p, new Map([["fast", fast]]), { groups: ["fast"], colocate: [] });
    // 2 MB read at 50 kB/ms: 41 ms after the task's end.
    expect(sim.makespanMs - sim.endMs[0]!).toBeCloseTo(41, 3);
  });

  it("a run's record: the client's read of the result, shared by the outputs' stored sizes", () => {
    const tasks = [task("a", "w1", 1, 0, 1, 11), task("b", "w1", 1, 0, 11, 21), task("r1", "w1", 1, 21, 22, 30), task("r2", "w1", 2, 21, 22, 30)];
    const report = {
      runId: "r",
      startedAt: 0,
      tasks,
      counts: { tasks: 4 },
      cost: { gbSeconds: 0 },
      resultRead: { ms: 40, instances: { r1: 300, r2: 100 } },
    } as unknown as RunReport;
    const run = historyRunOf(report, { className: "C" });
    // r1's 300 of the 400 characters read: 30 of the 40 ms; the other tasks' outputs were not read.
    expect(run.samples.map((s) => s.resultReadMs)).toEqual([undefined, undefined, 30, 10]);
  });

  it("predictions: the result's read as the clients measured it", () => {
    const reads = [1_000, 2_000, 4_000, 8_000].map((outputBytes) => sample({ outputBytes, resultReadMs: 2 + outputBytes / 1_000 }));
    const p = buildPredictions({ history: history([...reads, sample()]), configurations: [fast], sla: "mean" });
    expect(p.resultReadMs("t", 16_000)).toBeCloseTo(18, 6);
    expect(p.resultReadMs("other", 16_000)).toBeUndefined();
    const g = planGraphOf(["t"], [[]]);
    const sim = simulate(g, p, new Map([["fast", fast]]), { groups: ["fast"], colocate: [] });
    expect(sim.makespanMs - sim.endMs[0]!).toBeCloseTo(p.resultReadMs("t", p.outputBytes("t", 100))!, 6);
  });
});
