/**
 * The store's side of pre-load, on the in-memory and the Redis store alike: one worker reserves
 * a fan-in (again and again), another is refused; the inputs it holds are marked held there, so
 * that a delayed output elsewhere travels at once; a run no longer running reserves nothing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, meta, type Backend } from "../remote/store-backends.js";

describe.each(backends)("pre-load reservations in the %s store", (_name, make) => {
  let b: Backend & { close(): Promise<void> };
  beforeAll(async () => {
    b = await make();
  });
  afterAll(async () => {
    await b.close();
  });

  it("the first worker reserves the fan-in, later calls of it succeed, another worker is refused; its inputs count as held there", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 3 });
    expect(await b.store.reservePreload(run, "f", "w1", ["x"])).toBe(true);
    expect(await b.store.reservePreload(run, "f", "w1", ["y"])).toBe(true);
    expect(await b.store.reservePreload(run, "f", "w2", ["z"])).toBe(false);
    expect(await b.store.reservePreload(run, "g", "w2", [])).toBe(true);
    // A large output z on w2 whose fan-in f also reads x (held on w1, pre-load): it is not held, it travels.
    const res = await b.store.completeBatch({
      runId: run,
      lengthsVersion: 0,
      items: [{ id: "z", always: false, dependents: [{ id: "f", need: 2, claimable: true }] }],
      outputs: { z: "out-z" },
      fetch: {},
      delay: { worker: "w2", items: [{ index: 0, bytes: 5_000_000, final: false, yieldToLarger: true }], deps: { f: ["x", "z"] } },
    });
    expect(res).toMatchObject({ status: "ok", held: [], unwritten: [] });
    expect(await b.store.readOutputs(run, ["z"])).toEqual(["out-z"]);
    await b.store.abort(run);
    expect(await b.store.reservePreload(run, "h", "w1", [])).toBe(false);
    await b.store.deleteRun(run, 60);
  });
});
