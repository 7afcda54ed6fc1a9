/**
 * The one batch sizing of local runs and dag-workers, and the one retry policy: both executors
 * call these (client/local/local-run.ts, worker/chain-runner.ts), so their batches and backoff agree.
 */
import { describe, expect, it } from "vitest";
import { BatchSizer } from "../../src/scheduling/batch-sizer.js";
import { decideRetry } from "../../src/protocol/retry-policy.js";

describe("batch sizing", () => {
  it("before any time is known: the ready instances split evenly over the free threads, capped", () => {
    const sizer = new BatchSizer({ threads: 4, maxInFlight: 8, maxSeeds: 256 });
    expect(sizer.seeds(100, 0)).toBe(25);
    expect(sizer.seeds(100, 2)).toBe(50);
    expect(sizer.seeds(10_000, 0)).toBe(256);
    expect(sizer.seeds(1, 4)).toBe(1);
  });

  it("once times are known: about 4 ms of work per batch, over the free in-flight slots", () => {
    const sizer = new BatchSizer({ threads: 2, maxInFlight: 4, maxSeeds: 4096 });
    for (let i = 0; i < 20; i++) sizer.observe(0.01);
    expect(sizer.seeds(100_000, 0)).toBe(400);
    expect(sizer.seeds(100, 0)).toBe(25);
    const heavy = new BatchSizer({ threads: 2, maxInFlight: 4, maxSeeds: 4096 });
    heavy.observe(50);
    expect(heavy.seeds(100, 0)).toBe(1);
  });

  it("the mean follows recent times: a worker that moves from heavy to tiny tasks grows its batches", () => {
    const sizer = new BatchSizer({ threads: 1, maxInFlight: 1, maxSeeds: 256 });
    for (let i = 0; i < 100; i++) sizer.observe(10);
    expect(sizer.seeds(1000, 0)).toBe(1);
    for (let i = 0; i < 100; i++) sizer.observe(0.001);
    expect(sizer.seeds(1000, 0)).toBe(256);
  });
});

describe("retry policy", () => {
  const thrown = { name: "Error", message: "boom" };
  it("retries `retries` times, doubling retryDelayMs (default 100 ms)", () => {
    expect(decideRetry({ retries: 2, retryDelayMs: 10 }, thrown, 1)).toEqual({ final: false, delayMs: 10 });
    expect(decideRetry({ retries: 2, retryDelayMs: 10 }, thrown, 2)).toEqual({ final: false, delayMs: 20 });
    expect(decideRetry({ retries: 2, retryDelayMs: 10 }, thrown, 3)).toEqual({ final: true, delayMs: 0 });
    expect(decideRetry({ retries: 3 }, thrown, 3)).toEqual({ final: false, delayMs: 400 });
    expect(decideRetry({}, thrown, 1).final).toBe(true);
  });

  it("never retries a failure that would repeat (an output that cannot cross)", () => {
    expect(decideRetry({ retries: 5 }, { ...thrown, kind: "value" }, 1)).toEqual({ final: true, delayMs: 0 });
    expect(decideRetry({ retries: 5 }, { ...thrown, kind: "timeout" }, 1).final).toBe(false);
  });
});
