/**
 * What predictions rest on: warm samples over cold ones, cold starts of a configuration no worker
 * of which was started yet, and one Redis read for all of a fan-in's inputs.
 */
import { describe, expect, it } from "vitest";
import { buildPredictions, planGraphOf, simulate, type HistorySamples, type TaskSample, type WorkerConfiguration } from "../../dist/index.js";

const sample = (executionMs: number, cold: boolean, extra: Partial<TaskSample> = {}): TaskSample => ({
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
  cold,
  cpu: 0.95,
  ...extra,
});

const config = (name: string, memoryMb: number, cpus: number, extra: Partial<WorkerConfiguration> = {}): WorkerConfiguration => ({
  name,
  memoryMb,
  cpus,
  cpusEnforced: true,
  threads: 2,
  maxWorkers: 4,
  keepAliveMs: 60_000,
  warmWorkers: [],
  ...extra,
});

function history(samples: TaskSample[], transfers: HistorySamples["transfers"] = {}): HistorySamples {
  return { structure: "s", workflow: "w", runs: 2, tasks: [{ task: "t", configuration: "fast", count: samples.length, samples }], transfers, lengths: {} };
}

describe("prediction sources", () => {
  const fast = config("fast", 1024, 1);
  const slow = config("slow", 256, 0.25);

  it("an execution rests on the warm samples when there are enough: a cold one also paid for loading the code", () => {
    const samples = [sample(400, true), sample(380, true), ...Array.from({ length: 6 }, () => sample(80, false))];
    const p = buildPredictions({ history: history(samples), configurations: [fast, slow], sla: "mean" });
    expect(p.execution("t", "fast", 100)).toEqual({ ms: 80, samples: 6 });
    // With fewer warm samples than a fit needs, every sample counts.
    const few = buildPredictions({ history: history([sample(400, true), sample(80, false)]), configurations: [fast], sla: "mean" });
    expect(few.execution("t", "fast", 100).ms).toBe(240);
  });

  it("a configuration whose workers never started: the measured cold start scaled by the process speeds", () => {
    const p = buildPredictions({
      history: history([sample(10, false)]),
      configurations: [fast, slow],
      starts: { fast: { cold: [700], warm: [2] } },
      sla: "mean",
    });
    expect(p.coldStartMs("fast")).toBe(700);
    expect(p.coldStartMs("slow")).toBe(2800);
    const unenforced = [fast, { ...slow, cpusEnforced: false }];
    expect(
      buildPredictions({
        history: history([sample(10, false)]),
        configurations: unenforced,
        starts: { fast: { cold: [700], warm: [2] } },
        sla: "mean",
      }).coldStartMs("slow"),
    ).toBe(700);
  });

  it("a fan-in reads the inputs other workers stored in one round trip: one transfer, not one per input", () => {
    // 8 producers on 8 workers (1 thread each), a fan-in on one of them: 7 inputs come from Redis.
    const one = config("fast", 1024, 1, { threads: 1, maxWorkers: 8, warmWorkers: Array.from({ length: 8 }, () => 60_000) });
    const transfers = { fast: Array.from({ length: 8 }, (_, i) => ({ kind: "fetch" as const, bytes: 100 * (i + 1), ms: 2 + 0.001 * 100 * (i + 1) })) };
    const p = buildPredictions({ history: history([sample(10, false)], transfers), configurations: [one], sla: "mean" });
    const g = planGraphOf([...Array.from({ length: 8 }, () => "t"), "t"], [...Array.from({ length: 8 }, () => []), [0, 1, 2, 3, 4, 5, 6, 7]], { results: [8] });
    const sim = simulate(g, p, new Map([["fast", one]]), { groups: Array.from({ length: 9 }, () => "fast"), colocate: [] });
    expect(new Set(Array.from(sim.worker.subarray(0, 8))).size).toBe(8);
    // 7 inputs of ~100 bytes: 2 ms + 0.7 ms for one read (7 × 2 ms of intercepts before), plus its store.
    expect(sim.transferMs[8]).toBeGreaterThan(2.5);
    expect(sim.transferMs[8]).toBeLessThan(6);
  });
});
