/**
 * The store's side of task clustering, on the in-memory and the Redis store alike: a large item
 * claims more ready dependents within the budget; a large expanding completion keeps its output
 * off the store when it keeps every dependent, asks for it (`resend`) otherwise, and a redelivery
 * always stores it.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, meta, req, type Backend } from "../remote/store-backends.js";

describe.each(backends)("clustering in the %s store", (_name, make) => {
  let b: Backend & { close(): Promise<void> };
  beforeAll(async () => {
    b = await make();
  });
  afterAll(async () => {
    await b.close();
  });

  const fanOut = (ids: string[]) => ids.map((id) => ({ id, need: 1, claimable: true }));

  it("a cluster item claims up to 1 + budget ready dependents; its output is stored only when one is left", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 8 });
    const batch = (id: string, deps: string[], budget: number, outputs: Record<string, string> = {}) =>
      b.store.completeBatch({
        runId: run,
        lengthsVersion: 0,
        items: [{ id, always: false, dependents: fanOut(deps) }],
        outputs,
        fetch: {},
        cluster: [0],
        budget,
      });
    // Three dependents, budget 2: all three claimed, nothing stored, nothing handed off.
    const all = await batch("p", ["a", "b", "c"], 2);
    expect(all).toMatchObject({
      status: "ok",
      claims: new Map([[0, "a"]]),
      extra: [
        [0, "b"],
        [0, "c"],
      ],
      handoffs: [],
      unwritten: [0],
    });
    expect(await b.store.readOutputs(run, ["p"])).toEqual([undefined]);
    // Three dependents, budget 1: two claimed, one handed off, so the output is needed (resend, then stored once).
    expect(await batch("q", ["d", "e", "f"], 1)).toMatchObject({ status: "resend", ids: ["q"] });
    const some = await batch("q", ["d", "e", "f"], 1, { q: "out-q" });
    expect(some).toMatchObject({ status: "ok", claims: new Map([[0, "d"]]), extra: [[0, "e"]], handoffs: ["f"], unwritten: [] });
    expect(await b.store.readOutputs(run, ["q"])).toEqual(["out-q"]);
    // Not a cluster item: one claim, whatever the budget.
    const plain = await b.store.completeBatch({
      runId: run,
      lengthsVersion: 0,
      items: [{ id: "r", always: false, dependents: fanOut(["g", "h"]) }],
      outputs: { r: "out-r" },
      fetch: {},
      budget: 5,
    });
    expect(plain).toMatchObject({ status: "ok", claims: new Map([[0, "g"]]), extra: [], handoffs: ["h"] });
    expect((await b.store.getMeta(run))?.bytesWritten).toBe(10);
    await b.store.deleteRun(run, 60);
  });

  it("keep:k on an expanding completion: kept when every dependent becomes ready and k suffice, resend otherwise, stored on redelivery", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 1 });
    const created = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `m[${i}]`, need: 1, deps: ["p"] }));
    const expand = (n: number, output: string, write: `keep:${number}`) =>
      b.store.complete(req(run, "p", { output, write, created: created(n), lengths: [["k", n]], knownDelta: n }));
    expect(await expand(3, "", "keep:2")).toEqual({ status: "resend" });
    expect(await b.store.getLengths(run)).toEqual(new Map());
    const kept = await expand(2, "", "keep:2");
    expect(kept).toMatchObject({ status: "ok", ready: ["m[0]", "m[1]"], written: false, redelivered: false });
    expect(await b.store.readOutputs(run, ["p"])).toEqual([undefined]);
    // Redelivered (its holder died): stored this time, ready ones named again, nothing counted twice.
    const again = b.store.complete(
      req(run, "p", { output: "out-p", write: "keep:2", created: created(2), lengths: [["k", 2]], knownDelta: 2, lengthsVersion: 1 }),
    );
    expect(await again).toMatchObject({ status: "ok", ready: ["m[0]", "m[1]"], written: true, redelivered: true });
    expect(await b.store.readOutputs(run, ["p"])).toEqual(["out-p"]);
    expect((await b.store.getMeta(run))?.known).toBe(3);
    await b.store.deleteRun(run, 60);
  });
});
