/** The remote run report from metrics records: the current record and the earlier formats. */
import { describe, expect, it } from "vitest";
import { encodeMetricsRecord, parseMetricsRecord, type TaskMetricsRow } from "../../src/report/metrics-record.js";
import { buildRemoteReport, type RemoteReportInput } from "../../src/report/remote-report.js";

const names = new Map([["f.ts#A.inc", "A.inc"]]);

function input(records: string[], extra: Partial<RemoteReportInput> = {}): RemoteReportInput {
  return {
    runId: "r1",
    workflow: "wf",
    structure: "s",
    status: "succeeded",
    startedAt: 0,
    finishedAt: 40,
    records,
    names,
    known: 2,
    planner: "wukong",
    ...extra,
  };
}

function row(instanceId: string, task: string, startedAt: number, finishedAt: number, extra: Partial<TaskMetricsRow> = {}): TaskMetricsRow {
  return {
    instanceId,
    task,
    startedAt,
    finishedAt,
    inputBytes: 8,
    outputBytes: 9,
    cold: false,
    queueWaitMs: 1.5,
    fetchMs: 0.25,
    redisBytes: 5,
    memoryBytes: 3,
    storeMs: 0.125,
    storedBytes: 12,
    updateMs: 0.5,
    attempt: 1,
    cpu: 0.75,
    ...extra,
  };
}

describe("remote report", () => {
  it("reads back what a record holds: times to the µs, bytes by source, queue wait, store and update times, worker, group, planner", () => {
    const t0 = 1_764_151_234_567.125;
    const source = { worker: "w-1", thread: 3, group: "small", planner: "uniform", memoryMb: 512 };
    const record = encodeMetricsRecord(source, [
      row("n1[0]", "f.ts#A.inc", t0, t0 + 0.0504, { cold: true }),
      row("n2", "f.ts#B.sum", t0 + 0.06, t0 + 2.5, { attempt: 2, cpu: -1 }),
    ]);
    expect(record.length).toBeLessThan(260);
    const report = buildRemoteReport(input([record], { startedAt: t0 - 5, finishedAt: t0 + 10, coldStarts: new Map([["w-1", 120]]) }));
    expect(report.tasks).toMatchObject([
      {
        instanceId: "n1[0]",
        name: "A.inc",
        worker: "w-1",
        configuration: "small",
        planner: "uniform",
        start: "cold",
        inputSources: { memory: 3, redis: 5, thread: 0 },
      },
      { instanceId: "n2", name: "f.ts#B.sum", attempts: 2, start: "warm", cpuFraction: undefined, outputStoredBytes: 12 },
    ]);
    const [a] = report.tasks;
    expect(a!.startedAt).toBeCloseTo(t0, 3);
    expect(a!.executionMs).toBeCloseTo(0.05, 3);
    expect(a!.queueWaitMs).toBe(1.5);
    expect(a!.inputFetchMs).toBe(0.25);
    expect(a!.outputStoreMs).toBe(0.125);
    expect(a!.dependencyUpdateMs).toBe(0.5);
    expect(a!.cpuFraction).toBe(0.75);
    expect(report.tasks[1]!.finishedAt).toBeCloseTo(t0 + 2.5, 3);
    expect(report.counts).toMatchObject({ tasks: 2, workers: 1, retries: 0, unreported: 0 });
    // One worker of 512 MB held from its first start to its last end (+ store and update) plus its cold start.
    expect(report.cost.workers).toHaveLength(1);
    expect(report.cost.workers[0]!.heldMs).toBeCloseTo(2.5 + 0.125 + 0.5 + 120, 2);
    expect(report.cost.gbSeconds).toBeCloseTo(0.5 * ((2.5 + 0.625 + 120) / 1000), 6);
  });

  it("reads the earlier record formats, counts a task recorded twice as a retry, and the missing ones as unreported", () => {
    const single = JSON.stringify({ i: "n1", t: "f.ts#A.inc", w: "w-2", th: 1, s: 10, e: 12, bi: 1, bo: 2, c: true });
    const batch = JSON.stringify({
      w: "w-3",
      r: [
        ["n2", "f.ts#A.inc", 2, 20, 25, 3, 4, 0],
        ["n1", "f.ts#A.inc", 2, 30, 31, 1, 2, 0],
      ],
    });
    const compact = JSON.stringify({ w: "w-4", th: 1, b: 100, t: ["f.ts#A.inc"], r: [["n3", 0, 1, 2, 5, 6, 1]] });
    const report = buildRemoteReport(input([single, batch, compact], { known: 4 }));
    expect(report.tasks.map((t) => [t.instanceId, t.worker, t.startedAt, t.finishedAt])).toEqual([
      ["n2", "w-3", 20, 25],
      ["n1", "w-3", 30, 31],
      ["n3", "w-4", 101, 102],
    ]);
    expect(report.counts.retries).toBe(1);
    expect(report.counts.unreported).toBe(1);
    expect(parseMetricsRecord(compact)[0]).toMatchObject({ cold: true, inputBytes: 5, group: "default" });
  });
});
