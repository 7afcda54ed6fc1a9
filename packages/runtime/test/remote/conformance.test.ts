/**
 * One conformance suite for the storage and transport contracts, run against the in-memory and
 * the Redis implementations (a real redis-server from the global setup).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectRedis } from "../../dist/store/redis-connection.js";
import { RedisRunStore } from "../../dist/store/redis-run-store.js";
import { backends, meta, req, type Backend } from "./store-backends.js";

describe.each(backends)("%s backend", (_name, make) => {
  let b: Backend & { close(): Promise<void> };
  beforeAll(async () => {
    b = await make();
  });
  afterAll(async () => {
    await b.close();
  });

  it("stores blobs once per hash", async () => {
    expect(await b.store.putBlob("bundle", "h1", Buffer.from("abc"))).toBe(true);
    expect(await b.store.putBlob("bundle", "h1", Buffer.from("xyz"))).toBe(false);
    expect((await b.store.getBlob("bundle", "h1"))?.toString()).toBe("abc");
    expect(await b.store.hasBlob("manifest", "h1")).toBe(false);
  });

  it("appends metrics records, before and after the run ended", async () => {
    const run = randomUUID();
    await b.store.createRun(run, meta);
    await b.store.appendMetrics(run, ["r1", "r2"], 60);
    await b.store.deleteRun(run, 60);
    await b.store.appendMetrics(
      run,
      Array.from({ length: 1500 }, (_, i) => `x${i}`),
      60,
    );
    const records = await b.store.getMetrics(run);
    expect(records.slice(0, 3)).toEqual(["r1", "r2", "x0"]);
    expect(records).toHaveLength(1502);
  });

  it("counts dependencies atomically and idempotently, and finishes the run", async () => {
    const run = randomUUID();
    await b.store.createRun(run, meta);
    const events: string[] = [];
    const unwatch = await b.store.watch(run, (e) => events.push(e));
    // a and b feed c (need 2).
    const a = await b.store.complete(req(run, "a", { dependents: [{ id: "c", need: 2 }] }));
    expect(a).toMatchObject({ status: "ok", ready: [], finished: false, redelivered: false });
    const again = await b.store.complete(req(run, "a", { dependents: [{ id: "c", need: 2 }] }));
    expect(again).toMatchObject({ status: "ok", ready: [], redelivered: true });
    const bb = await b.store.complete(req(run, "b", { dependents: [{ id: "c", need: 2 }], fetch: { c: ["a", "b"] } }));
    // c is b's only dependent and becomes ready: b's output is not written, a's is fetched.
    expect(bb).toMatchObject({ status: "ok", ready: ["c"], fetched: { a: "out-a" }, finished: false });
    expect(await b.store.readOutputs(run, ["a", "b"])).toEqual(["out-a", undefined]);
    const redo = await b.store.complete(req(run, "b", { dependents: [{ id: "c", need: 2 }] }));
    expect(redo).toMatchObject({ status: "ok", ready: ["c"], redelivered: true });
    const c = await b.store.complete(req(run, "c", { write: "always", metrics: '{"i":"c"}' }));
    expect(c).toMatchObject({ status: "ok", finished: true });
    expect((await b.store.getMeta(run))?.status).toBe("done");
    expect(await b.store.getMetrics(run)).toEqual(['{"i":"c"}']);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(["done"]);
    await unwatch();
    await b.store.deleteRun(run, 60);
    expect(await b.store.getMeta(run)).toBeUndefined();
  });

  it("completes a batch once per instance (a duplicate or a redelivery counts nothing), claims, hands off, writes what others need", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 5 });
    const toCD = [
      { id: "c", need: 2, claimable: true },
      { id: "d", need: 1, claimable: true },
    ];
    const batch = (
      items: { id: string; always?: boolean; dependents?: typeof toCD }[],
      outputs: Record<string, string>,
      fetch: Record<string, string[]> = {},
    ) =>
      b.store.completeBatch({
        runId: run,
        lengthsVersion: 0,
        items: items.map((it) => ({ always: false, dependents: [], ...it })),
        outputs,
        fetch,
        metrics: "",
      });
    // a twice in one batch: c (need 2) gets one count, d (need 1) becomes ready and is claimed by the first a.
    // a's output is needed (c is not claimed), so the script first asks for it.
    const first = await batch(
      [
        { id: "a", dependents: toCD },
        { id: "a", dependents: toCD },
      ],
      {},
    );
    expect(first.status).toBe("resend");
    expect(new Set(first.status === "resend" ? first.ids : [])).toEqual(new Set(["a"]));
    expect(await b.store.readOutputs(run, ["a"])).toEqual([undefined]);
    const a = await batch(
      [
        { id: "a", dependents: toCD },
        { id: "a", dependents: toCD },
      ],
      { a: "out-a" },
    );
    expect(a).toMatchObject({ status: "ok", claims: new Map([[0, "d"]]), handoffs: [], finished: false });
    // b makes c ready (2 of 2) and claims it; b's output stays unwritten, a's is fetched for c.
    const bb = await batch([{ id: "b", dependents: [{ id: "c", need: 2, claimable: true }] }], {}, { c: ["a"] });
    expect(bb).toMatchObject({ status: "ok", claims: new Map([[0, "c"]]), unwritten: [0], fetched: { a: "out-a" } });
    expect(await b.store.readOutputs(run, ["a", "b"])).toEqual(["out-a", undefined]);
    // b redelivered (its first holder died): c is not counted a third time; it is claimed again,
    // and b's output, which another holder of c may need, is written this time.
    const redo = await batch([{ id: "b", dependents: [{ id: "c", need: 2, claimable: false }] }], { b: "out-b" });
    expect(redo).toMatchObject({ status: "ok", claims: new Map(), handoffs: ["c"], unwritten: [] });
    expect(await b.store.readOutputs(run, ["b"])).toEqual(["out-b"]);
    const rest = await batch(
      [
        { id: "c", always: true },
        { id: "d", always: true },
        { id: "e", always: true },
      ],
      { c: "out-c", d: "out-d", e: "out-e" },
    );
    expect(rest).toMatchObject({ status: "ok", finished: true });
    expect((await b.store.getMeta(run))?.bytesWritten).toBe(5 * 5);
    await b.store.deleteRun(run, 60);
  });

  it("keeps long outputs byte for byte, ASCII (base64) or not, through each write and the read, and counts their bytes", async () => {
    const run = randomUUID();
    await b.store.createRun(run, meta);
    const ascii = "A/+=".repeat(50_000);
    const unicode = 'J"' + "é€😀x".repeat(40_000) + '"';
    const short = 'J"ünï"';
    await b.store.writeOutputs(run, [
      ["w1", ascii],
      ["w2", unicode],
      ["w3", short],
    ]);
    expect(await b.store.complete(req(run, "c1", { output: unicode, write: "always" }))).toMatchObject({ status: "ok" });
    const batch = await b.store.completeBatch({
      runId: run,
      lengthsVersion: 0,
      items: [
        { id: "b1", always: true, dependents: [] },
        { id: "b2", always: true, dependents: [] },
      ],
      outputs: { b1: ascii, b2: unicode },
      fetch: {},
    });
    expect(batch.status).toBe("ok");
    const got = await b.store.readOutputs(run, ["w1", "w2", "w3", "c1", "b1", "b2", "none"]);
    expect(got.map((t) => t?.length)).toEqual([ascii.length, unicode.length, short.length, unicode.length, ascii.length, unicode.length, undefined]);
    expect(got).toEqual([ascii, unicode, short, unicode, ascii, unicode, undefined]);
    const bytes = [ascii, unicode, short, unicode, ascii, unicode].reduce((n, t) => n + Buffer.byteLength(t), 0);
    expect((await b.store.getMeta(run))?.bytesWritten).toBe(bytes);
    await b.store.deleteRun(run, 60);
  });

  it("records expansions: created instances, lengths, known count, and answers stale", async () => {
    const run = randomUUID();
    await b.store.createRun(run, { ...meta, known: 2 });
    // p completes and expands a map of 2 instances m[0], m[1] reading p; s (known) reads both.
    const p = await b.store.complete(
      req(run, "p", {
        created: [
          { id: "m[0]", need: 1, deps: ["p"] },
          { id: "m[1]", need: 1, deps: ["p"] },
        ],
        lengths: [["k", 2]],
        knownDelta: 2,
      }),
    );
    expect(p).toMatchObject({ status: "ok", ready: ["m[0]", "m[1]"] });
    expect(await b.store.getLengths(run)).toEqual(new Map([["k", 2]]));
    expect(await b.store.complete(req(run, "m[0]", { dependents: [{ id: "s", need: 2 }] }))).toEqual({ status: "stale", lengthsVersion: 1 });
    await b.store.complete(req(run, "m[0]", { dependents: [{ id: "s", need: 2 }], lengthsVersion: 1 }));
    const m1 = await b.store.complete(req(run, "m[1]", { dependents: [{ id: "s", need: 2 }], lengthsVersion: 1 }));
    expect(m1).toMatchObject({ ready: ["s"], finished: false });
    expect(await b.store.complete(req(run, "s", { lengthsVersion: 1 }))).toMatchObject({ finished: true });
    await b.store.deleteRun(run, 60);
  });

  it("records the first error only and refuses completions of a failed run", async () => {
    const run = randomUUID();
    await b.store.createRun(run, meta);
    const events: string[] = [];
    const unwatch = await b.store.watch(run, (e) => events.push(e));
    const record = {
      instanceId: "a",
      task: "t#A.a",
      name: "Error",
      message: "boom",
      stack: "Error: boom\n at x",
      worker: "w1",
      kind: "task" as const,
      detail: { taskName: "A.a", loc: { file: "t.ts", line: 3, column: 5 }, attempts: 2, thread: 4, dropped: ["cb"] },
    };
    expect(await b.store.fail(run, record)).toBe(true);
    expect(await b.store.fail(run, { ...record, message: "second" })).toBe(false);
    expect(await b.store.getError(run)).toEqual(record);
    expect(await b.store.complete(req(run, "b"))).toEqual({ status: "inactive", runStatus: "failed" });
    expect(await b.store.abort(run)).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(["failed"]);
    await unwatch();
    await b.store.deleteRun(run, 60);
    expect(await b.store.getError(run)).toBeUndefined();
  });

  it("delivers hand-offs once, redelivers unacknowledged ones after the lease", async () => {
    const g = `g${randomUUID().slice(0, 6)}`;
    await b.queue.push(g, [
      { runId: "r", instanceId: "x" },
      { runId: "r", instanceId: "y" },
    ]);
    const first = await b.queue.receive(g, "w1", 10, 0);
    expect(first.map((d) => d.instanceId)).toEqual(["x", "y"]);
    expect(await b.queue.receive(g, "w2", 10, 0)).toEqual([]);
    await b.queue.ack(g, [first[0]!.id]);
    expect(await b.queue.claimStale(g, "w2", 60_000, 10)).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    await b.queue.touch(g, "w1", []);
    const claimed = await b.queue.claimStale(g, "w2", 50, 10);
    expect(claimed.map((d) => d.instanceId)).toEqual(["y"]);
    await b.queue.ack(
      g,
      claimed.map((d) => d.id),
    );
    expect(await b.queue.backlog(g)).toBe(0);
  });

  it("claims a dead worker's hand-offs held behind many that live workers keep touching", async () => {
    // XAUTOCLAIM looks at most 10 x COUNT pending entries a call: a claim that always started from
    // the first entry never reached the dead worker's ones behind 300 a live worker renews.
    const g = `g${randomUUID().slice(0, 6)}`;
    await b.queue.push(
      g,
      Array.from({ length: 300 }, (_, i) => ({ runId: "r", instanceId: `live${i}` })),
    );
    const live = await b.queue.receive(g, "live", 300, 0);
    await b.queue.push(g, [{ runId: "r", instanceId: "orphan" }]);
    expect(await b.queue.receive(g, "dead", 1, 0)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_200));
    await b.queue.touch(
      g,
      "live",
      live.map((d) => d.id),
    );
    const claimed = await b.queue.claimStale(g, "w2", 1_000, 1);
    expect(claimed.map((d) => d.instanceId)).toEqual(["orphan"]);
    await b.queue.ack(
      g,
      [...live, ...claimed].map((d) => d.id),
    );
    expect(await b.queue.backlog(g)).toBe(0);
  });

  it("tells whether a run has a hand-off queued or held, and gives no verdict past the scan limit", async () => {
    const g = `g${randomUUID().slice(0, 6)}`;
    expect(await b.queue.holdsRun(g, "a", 100)).toBe(false);
    await b.queue.push(g, [
      { runId: "a", instanceId: "x" },
      { runId: "a", instanceId: "y" },
      { runId: "b", instanceId: "z" },
    ]);
    expect(await b.queue.holdsRun(g, "a", 100)).toBe(true);
    expect(await b.queue.holdsRun(g, "c", 100)).toBe(false);
    expect(await b.queue.holdsRun(g, "a", 2)).toBeUndefined();
    const got = await b.queue.receive(g, "w1", 10, 0);
    expect(await b.queue.holdsRun(g, "a", 100)).toBe(true);
    await b.queue.ack(
      g,
      got.filter((d) => d.runId === "a").map((d) => d.id),
    );
    expect(await b.queue.holdsRun(g, "a", 100)).toBe(false);
    expect(await b.queue.holdsRun(g, "b", 100)).toBe(true);
    await b.queue.ack(
      g,
      got.filter((d) => d.runId === "b").map((d) => d.id),
    );
  });

  it("counts waiting and held hand-offs, and names the last delivered", async () => {
    const g = `g${randomUUID().slice(0, 6)}`;
    expect(await b.queue.deliveries(g)).toEqual({ waiting: 0, held: 0, lastDelivered: "0-0" });
    await b.queue.push(g, [
      { runId: "a", instanceId: "x" },
      { runId: "a", instanceId: "y" },
      { runId: "a", instanceId: "z" },
    ]);
    expect(await b.queue.deliveries(g)).toEqual({ waiting: 3, held: 0, lastDelivered: "0-0" });
    const [first] = await b.queue.receive(g, "w1", 1, 0);
    expect(await b.queue.deliveries(g)).toEqual({ waiting: 2, held: 1, lastDelivered: first!.id });
    await b.queue.ack(g, [first!.id]);
    const second = await b.queue.receive(g, "w1", 5, 0);
    expect(await b.queue.deliveries(g)).toEqual({ waiting: 0, held: 2, lastDelivered: second.at(-1)!.id });
    await b.queue.ack(
      g,
      second.map((d) => d.id),
    );
    expect(await b.queue.deliveries(g)).toEqual({ waiting: 0, held: 0, lastDelivered: second.at(-1)!.id });
  });

  it("drops the queued and the held hand-offs of one run only", async () => {
    const g = `g${randomUUID().slice(0, 6)}`;
    await b.queue.push(g, [
      { runId: "a", instanceId: "x" },
      { runId: "b", instanceId: "y" },
    ]);
    await b.queue.receive(g, "w1", 1, 0);
    await b.queue.push(g, [{ runId: "a", instanceId: "z" }]);
    expect(await b.queue.dropRun(g, "a", 100)).toBe(2);
    expect(await b.queue.holdsRun(g, "a", 100)).toBe(false);
    expect(await b.queue.backlog(g)).toBe(1);
    expect(await b.queue.dropRun(g, "b", 100)).toBe(1);
    expect(await b.queue.backlog(g)).toBe(0);
  });

  it("a touched hand-off is not claimed, a blocking receive wakes on push", async () => {
    const g = `g${randomUUID().slice(0, 6)}`;
    await b.queue.push(g, [{ runId: "r", instanceId: "x" }]);
    const [d] = await b.queue.receive(g, "w1", 1, 0);
    await new Promise((r) => setTimeout(r, 60));
    await b.queue.touch(g, "w1", [d!.id]);
    expect(await b.queue.claimStale(g, "w2", 50, 10)).toEqual([]);
    await b.queue.ack(g, [d!.id]);
    const waiting = b.queue.receive(g, "w2", 5, 2000);
    await new Promise((r) => setTimeout(r, 30));
    await b.queue.push(g, [{ runId: "r", instanceId: "z" }]);
    const got = await waiting;
    expect(got.map((x) => x.instanceId)).toEqual(["z"]);
    await b.queue.ack(
      g,
      got.map((x) => x.id),
    );
  });
});

describe("redis metrics TTL", () => {
  it("a record appended after the run ended keeps the TTL the run's end set, or gets one", async () => {
    const conn = await connectRedis(inject("redisUrl"));
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const store = new RedisRunStore(conn, prefix);
    const ended = randomUUID();
    await store.createRun(ended, meta);
    await store.appendMetrics(ended, ["a"], 86_400);
    await store.deleteRun(ended, 30);
    await store.appendMetrics(ended, ["b"], 86_400);
    expect(await conn.ttl(`${prefix}:{${ended}}:metrics`)).toBeLessThanOrEqual(30);
    const late = randomUUID();
    await store.appendMetrics(late, ["c"], 100);
    expect(await conn.ttl(`${prefix}:{${late}}:metrics`)).toBeGreaterThan(90);
    await conn.del(`${prefix}:{${ended}}:metrics`, `${prefix}:{${late}}:metrics`);
    await store.close();
    conn.disconnect();
  });
});
