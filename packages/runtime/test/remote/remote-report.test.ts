/** The remote run report from metrics records: the compact batch record and the earlier formats. */
import { describe, expect, it } from "vitest";
import { batchMetricsRecord, buildRemoteReport } from "../../src/report/remote-report.js";

const names = new Map([["f.ts#A.inc", "A.inc"]]);

describe("remote report", () => {
  it("reads back what a batch record holds: times to the µs, bytes, worker, thread, cold start", () => {
    const t0 = 1_764_151_234_567.125;
    // started, finished, input bytes, output bytes per task
    const metrics = new Float64Array([t0, t0 + 0.0504, 8, 9, t0 + 0.06, t0 + 2.5, 16, 4]);
    const record = batchMetricsRecord(
      "w-1",
      3,
      [
        { id: "n1[0]", task: "f.ts#A.inc" },
        { id: "n2", task: "f.ts#B.sum" },
      ],
      metrics,
      true,
    );
    expect(record.length).toBeLessThan(160);
    const report = buildRemoteReport("wf", "succeeded", t0 - 5, t0 + 10, [record], names);
    expect(report.tasks).toMatchObject([
      { instanceId: "n1[0]", task: "f.ts#A.inc", name: "A.inc", worker: "w-1", inputBytes: 8, outputBytes: 9 },
      { instanceId: "n2", task: "f.ts#B.sum", name: "f.ts#B.sum", worker: "w-1", inputBytes: 16, outputBytes: 4 },
    ]);
    expect(report.tasks[0]!.startedAt).toBeCloseTo(t0, 3);
    expect(report.tasks[0]!.executionMs).toBeCloseTo(0.05, 3);
    expect(report.tasks[1]!.finishedAt).toBeCloseTo(t0 + 2.5, 3);
    expect(report.counts).toMatchObject({ tasks: 2, workers: 1, retries: 0 });
  });

  it("reads the earlier per-task and per-batch records, and counts a task recorded twice as a retry", () => {
    const single = JSON.stringify({ i: "n1", t: "f.ts#A.inc", w: "w-2", th: 1, s: 10, e: 12, bi: 1, bo: 2, c: true });
    const batch = JSON.stringify({
      w: "w-3",
      r: [
        ["n2", "f.ts#A.inc", 2, 20, 25, 3, 4, 0],
        ["n1", "f.ts#A.inc", 2, 30, 31, 1, 2, 0],
      ],
    });
    const report = buildRemoteReport("wf", "succeeded", 0, 40, [single, batch], names);
    expect(report.tasks.map((t) => [t.instanceId, t.worker, t.startedAt, t.finishedAt])).toEqual([
      ["n1", "w-3", 30, 31],
      ["n2", "w-3", 20, 25],
    ]);
    expect(report.counts.retries).toBe(1);
  });
});
