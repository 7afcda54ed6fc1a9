import { describe, expect, it } from "vitest";
import { formatRunLogMessage } from "../../dist/client/remote/follow-run-logs.js";
import { formatWorkerEvent, parseWorkerEvent } from "../../dist/protocol/worker-protocol.js";

describe("worker protocol", () => {
  it("round-trips events and leaves ordinary and malformed lines as log lines", () => {
    const start = { event: "task-start", run: "r1", task: "n3[2]", name: "WordCount.count", timeoutMs: 500, entryId: "17-0", attempt: 2, retries: 1 } as const;
    expect(parseWorkerEvent(formatWorkerEvent(start))).toEqual(start);
    expect(parseWorkerEvent(formatWorkerEvent({ event: "ready" }))).toEqual({ event: "ready" });
    const log = { event: "log", run: "r1", task: "n1", stream: "err", line: "oops" } as const;
    expect(parseWorkerEvent(formatWorkerEvent(log))).toEqual(log);
    expect(parseWorkerEvent("hello ::taskloom::{}")).toBeUndefined();
    expect(parseWorkerEvent('::taskloom::{"event":"task-start","run":"r1"}')).toBeUndefined();
    expect(parseWorkerEvent("::taskloom::{not json")).toBeUndefined();
  });

  it("formats a run's log messages as the client prints them", () => {
    const base = { run: "r1", task: "n3[2]", worker: "default#1@ab12", config: "default", ts: 0 };
    expect(formatRunLogMessage({ ...base, kind: "log", stream: "out", line: "hi" })).toBe("[default#1@ab12 n3[2]] hi");
    expect(formatRunLogMessage({ ...base, kind: "log", stream: "err", line: "oh" })).toBe("[default#1@ab12 n3[2] stderr] oh");
    expect(formatRunLogMessage({ ...base, kind: "stalled", message: "no progress" })).toBe("[gateway] STALLED: no progress");
    expect(formatRunLogMessage({ ...base, kind: "task-failed", name: null, reason: "timeout", message: "too slow", attempt: 1 })).toBe("[gateway] too slow");
  });
});
