/**
 * The store's side of delayed I/O and task clustering on fan-ins, on the in-memory and the Redis
 * store alike: a delayed item is held (nothing counted, stored or claimed) while a dependent waits
 * for an input still being made; it completes, claiming the fan-in, once the fan-in waits for it
 * alone; a held input elsewhere that is larger makes it travel (stored); a `final` or redelivered
 * item is never held; held inputs of the asking worker are not waited on.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompleteBatchRequest } from "../../dist/store/run-store.js";
import { backends, meta, type Backend } from "../remote/store-backends.js";

describe.each(backends)("delayed I/O in the %s store", (_name, make) => {
  let b: Backend & { close(): Promise<void> };
  beforeAll(async () => {
    b = await make();
  });
  afterAll(async () => {
    await b.close();
  });

  /** Completes `id` (one dependent `f` of `need` inputs `deps`), delayed with `bytes` when given. */
  const one = (
    run: string,
    id: string,
    deps: string[],
    delay?: { bytes: number; worker?: string; final?: boolean; yieldToLarger?: boolean },
    outputs: Record<string, string> = {},
  ) => {
    const request: CompleteBatchRequest = {
      runId: run,
      lengthsVersion: 0,
      items: [{ id, always: false, dependents: [{ id: "f", need: deps.length, claimable: true }] }],
      outputs,
      fetch: { f: deps.filter((x) => x !== id) },
    };
    if (delay) {
      request.delay = {
        worker: delay.worker ?? "w1",
        items: [{ index: 0, bytes: delay.bytes, final: delay.final ?? false, yieldToLarger: delay.yieldToLarger ?? true }],
        deps: { f: deps },
      };
    }
    return b.store.completeBatch(request);
  };

  it("held while the fan-in waits for an input being made; completes and claims it once that input is stored", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 3 });
    const first = await one(run, "p", ["p", "q"], { bytes: 100 });
    expect(first).toMatchObject({ status: "ok", held: [0], claims: new Map(), unwritten: [], handoffs: [] });
    expect(await b.store.readOutputs(run, ["p"])).toEqual([undefined]);
    // Still held on a check before q is done (nothing counted the first time: the fan-in stays at 0).
    expect(await one(run, "p", ["p", "q"], { bytes: 100 })).toMatchObject({ status: "ok", held: [0] });
    // q, small, completes normally: the fan-in is not ready, so q is stored.
    expect(await one(run, "q", ["p", "q"], undefined, { q: "out-q" })).toMatchObject({ status: "ok", claims: new Map(), held: [] });
    const last = await one(run, "p", ["p", "q"], { bytes: 100 });
    expect(last).toMatchObject({ status: "ok", held: [], claims: new Map([[0, "f"]]), unwritten: [0], fetched: { q: "out-q" } });
    expect(await b.store.readOutputs(run, ["p"])).toEqual([undefined]);
    expect((await b.store.getMeta(run))?.bytesWritten).toBe(5);
    await b.store.deleteRun(run, 60);
  });

  it("a larger input held on another worker keeps the fan-in: the smaller one travels at once (stored), the larger claims it", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 3 });
    expect(await one(run, "big", ["big", "small"], { bytes: 500, worker: "w1" })).toMatchObject({ held: [0] });
    // The smaller input, on w2, sees `big` held on w1: it completes now, so its output must be sent.
    expect(await one(run, "small", ["big", "small"], { bytes: 200, worker: "w2" })).toEqual({ status: "resend", ids: ["small"] });
    const small = await one(run, "small", ["big", "small"], { bytes: 200, worker: "w2" }, { small: "out-small" });
    expect(small).toMatchObject({ status: "ok", held: [], claims: new Map(), unwritten: [] });
    expect(await b.store.readOutputs(run, ["small"])).toEqual(["out-small"]);
    const big = await one(run, "big", ["big", "small"], { bytes: 500, worker: "w1" });
    expect(big).toMatchObject({ status: "ok", held: [], claims: new Map([[0, "f"]]), unwritten: [0], fetched: { small: "out-small" } });
    await b.store.deleteRun(run, 60);
  });

  it("a smaller input held elsewhere waits for the larger one; equal sizes go to the smaller id; without yieldToLarger, any held input elsewhere makes it travel", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 9 });
    expect(await one(run, "a1", ["a1", "a2"], { bytes: 100, worker: "w1" })).toMatchObject({ held: [0] });
    // a2 is larger: it stays held (waiting for a1 to travel).
    expect(await one(run, "a2", ["a1", "a2"], { bytes: 900, worker: "w2" })).toMatchObject({ status: "ok", held: [0] });
    // Same worker as the held input: not waited on as travelling, so still held.
    const run2 = randomUUID();
    await b.store.createRun(run2, { ...meta, known: 3 });
    expect(await one(run2, "c1", ["c1", "c2"], { bytes: 300, worker: "w1" })).toMatchObject({ held: [0] });
    expect(await one(run2, "c2", ["c1", "c2"], { bytes: 300, worker: "w1" })).toMatchObject({ held: [0] });
    // Another worker, equal size: c1 < c2, so c2 travels.
    expect(await one(run2, "c2", ["c1", "c2"], { bytes: 300, worker: "w2" }, { c2: "x" })).toMatchObject({ status: "ok", held: [] });
    // Without yieldToLarger a held input elsewhere makes this one travel whatever the sizes.
    const run3 = randomUUID();
    await b.store.createRun(run3, { ...meta, known: 3 });
    expect(await one(run3, "e1", ["e1", "e2"], { bytes: 100, worker: "w1" })).toMatchObject({ held: [0] });
    expect(await one(run3, "e2", ["e1", "e2"], { bytes: 900, worker: "w2", yieldToLarger: false }, { e2: "y" })).toMatchObject({ status: "ok", held: [] });
    for (const r of [run, run2, run3]) await b.store.deleteRun(r, 60);
  });

  it("final and redelivered items are never held; an input completing in the same batch counts", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 5 });
    expect(await one(run, "p", ["p", "q"], { bytes: 100, final: true }, { p: "out-p" })).toMatchObject({ status: "ok", held: [], unwritten: [] });
    expect(await b.store.readOutputs(run, ["p"])).toEqual(["out-p"]);
    // p again (a redelivery): completes (stored again, counted once) even though q is still missing.
    expect(await one(run, "p", ["p", "q"], { bytes: 100 }, { p: "out-p" })).toMatchObject({ status: "ok", held: [] });
    // Two inputs of one fan-in in one batch: neither waits for the other; the first claims, nothing is stored.
    const both = await b.store.completeBatch({
      runId: run,
      lengthsVersion: 0,
      items: [
        { id: "x", always: false, dependents: [{ id: "g", need: 2, claimable: true }] },
        { id: "y", always: false, dependents: [{ id: "g", need: 2, claimable: true }] },
      ],
      outputs: {},
      fetch: { g: [] },
      delay: {
        worker: "w1",
        items: [
          { index: 0, bytes: 10, final: false, yieldToLarger: true },
          { index: 1, bytes: 10, final: false, yieldToLarger: true },
        ],
        deps: { g: ["x", "y"] },
      },
    });
    expect(both).toMatchObject({ status: "ok", held: [], claims: new Map([[0, "g"]]), unwritten: [0, 1] });
    await b.store.deleteRun(run, 60);
  });
});
