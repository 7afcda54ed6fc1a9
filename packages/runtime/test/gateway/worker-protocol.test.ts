import { describe, expect, it } from "vitest";
import { translateWorkerLog } from "../../dist/gateway/worker-log-translation.js";
import { formatWorkerEvent, parseWorkerEvent } from "../../dist/gateway/worker-protocol.js";

describe("worker protocol", () => {
  it("round-trips events and leaves ordinary and malformed lines as log lines", () => {
    const start = { event: "task-start", run: "r1", task: "n3[2]", name: "WordCount.count", timeoutMs: 500, entryId: "17-0", attempt: 2, retries: 1 } as const;
    expect(parseWorkerEvent(formatWorkerEvent(start))).toEqual(start);
    expect(parseWorkerEvent(formatWorkerEvent({ event: "ready" }))).toEqual({ event: "ready" });
    expect(parseWorkerEvent("hello ::taskloom::{}")).toBeUndefined();
    expect(parseWorkerEvent('::taskloom::{"event":"task-start","run":"r1"}')).toBeUndefined();
    expect(parseWorkerEvent("::taskloom::{not json")).toBeUndefined();
  });

  it("translates the remote worker's task lines into events", () => {
    expect(translateWorkerLog("run r1 task n1[0] start")).toEqual([formatWorkerEvent({ event: "task-start", run: "r1", task: "n1[0]" })]);
    expect(translateWorkerLog("run r1 task n1[0] end")).toEqual([formatWorkerEvent({ event: "task-end", run: "r1", task: "n1[0]", ok: true })]);
    const failed = "run r1 task n2 (m.ts#A.b) failed: boom";
    expect(translateWorkerLog(failed)).toEqual([failed, formatWorkerEvent({ event: "task-end", run: "r1", task: "n2", ok: false })]);
    expect(translateWorkerLog("worker w1 serving group default with 2 threads")).toEqual(["worker w1 serving group default with 2 threads"]);
  });
});
