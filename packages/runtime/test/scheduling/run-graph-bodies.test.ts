/**
 * The scheduler's inline steps and branches: inline nodes are never task instances (their readers
 * read `call` values), a branch instantiates only its taken arm once its test is known (and reports
 * the other arms' tasks as skipped), a `treeReduce` by an inline function is a tree of calls.
 */
import type { Value, WorkflowIR } from "@taskloom/sdk/internal";
import { describe, expect, it } from "vitest";
import { RunGraph, type SkippedTask } from "../../src/scheduling/run-graph.js";
import { resolveValue } from "../../src/scheduling/resolve-value.js";
import { InlineFunctions, InlineStepError } from "../../src/scheduling/inline-functions.js";
import type { TaskInstance } from "../../src/scheduling/task-instance.js";
import { GraphReplica } from "../../src/scheduling/graph-replica.js";
import { arr, branch, call, el, inline, input, lit, loc, map, ref, wf } from "./ir-builders.js";

const fns = new InlineFunctions({
  "t#w$inc": { loc: "t.ts:1:1", run: (x) => (x as number) + 1 },
  "t#w$add": { loc: "t.ts:2:1", run: (a, b) => (a as number) + (b as number) },
  "t#w$gt": { loc: "t.ts:3:1", run: (a, b) => (a as number) > (b as number) },
  "t#w$len": { loc: "t.ts:4:1", run: (xs) => (xs as unknown[]).length },
  "t#w$evens": { loc: "t.ts:5:1", run: (xs) => (xs as number[]).filter((x) => x % 2 === 0) },
  "t#w$pick": { loc: "t.ts:6:1", run: (s) => ["a", "b"].indexOf(s as string) + 1 },
  "t#w$bad": { loc: "t.ts:7:9", run: (r) => (r as { x: { y: number } }).x.y },
});

const impls: Record<string, (...args: never[]) => unknown> = {
  inc: (x: number) => x + 1,
  double: (x: number) => x * 2,
  sum: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
  range: (n: number) => Array.from({ length: n }, (_, i) => i),
  boom: () => {
    throw new Error("a task of an arm not taken ran");
  },
};

/** Runs a workflow with in-process calls; returns its result, the order and the skipped tasks. */
function drive(workflow: WorkflowIR, runInput: unknown) {
  const results = new Map<string, unknown>();
  const read = (v: Value) => resolveValue(v, runInput, (id) => results.get(id), fns);
  const skipped: SkippedTask[] = [];
  const graph = new RunGraph(workflow, { read, skipped: (s) => skipped.push(...s) });
  const ready = graph.start();
  const order: string[] = [];
  while (ready.length > 0) {
    const inst = ready.shift() as TaskInstance;
    const fn = impls[inst.task.split("#")[1] as string] as (...a: unknown[]) => unknown;
    results.set(inst.id, fn(...(read(inst.args) as unknown[])));
    order.push(inst.id);
    ready.push(...graph.complete(inst.id));
  }
  expect(graph.done).toBe(true);
  return { result: read(graph.result()), order, skipped, graph };
}

describe("RunGraph inline steps", () => {
  it("never makes an inline step a task: its reader reads a call over the step's inputs", () => {
    // T2(T1(x) + 1), and the workflow returns T2's result plus T1's.
    const w = wf(
      [call("n1", "t#double", input), inline("i1", "t#w$inc", ref("n1")), call("n2", "t#double", ref("i1")), inline("i2", "t#w$add", ref("n2"), ref("n1"))],
      ref("i2"),
    );
    const graph = new RunGraph(w, { read: () => undefined });
    const [first] = graph.start();
    expect(first?.id).toBe("n1");
    const [second] = graph.complete("n1");
    expect(second?.args).toEqual(arr({ kind: "call", fn: "t#w$inc", args: [ref("n1")] }));
    expect(second?.deps).toEqual(["n1"]);
    expect(graph.knownCount).toBe(2);
    expect(drive(w, 5).result).toBe(22 + 10);
  });

  it("evaluates an inline step over the input in a map body once per element", () => {
    const w = wf([map("m1", input, [inline("i2", "t#w$inc", el("m1")), call("n3", "t#double", ref("i2"))], ref("n3"))], ref("m1"));
    const { result, order } = drive(w, [1, 2, 3]);
    expect(result).toEqual([4, 6, 8]);
    expect(order).toEqual(["n3[0]", "n3[1]", "n3[2]"]);
  });

  it("maps over an inline step's array (a filter) and reads its length", () => {
    const w = wf(
      [
        call("n1", "t#range", input),
        inline("i2", "t#w$evens", ref("n1")),
        map("m3", ref("i2"), [call("n4", "t#inc", el("m3"))], ref("n4")),
        inline("i5", "t#w$len", ref("m3")),
      ],
      arr(ref("m3"), ref("i5")),
    );
    expect(drive(w, 7).result).toEqual([[1, 3, 5, 7], 4]);
  });

  it("reduces with an inline function: the same pairing as with a task, no task instances", () => {
    const w = wf(
      [map("m1", input, [call("n2", "t#inc", el("m1"))], ref("n2")), { kind: "reduce", id: "r3", items: ref("m1"), fn: "t#w$add", args: [], loc }],
      ref("r3"),
    );
    const xs = Array.from({ length: 1024 }, (_, i) => i - 1);
    const { result, graph } = drive(w, xs);
    expect(result).toBe(523776);
    expect(graph.knownCount).toBe(1024);
  });

  it("wraps what an inline function throws with its id and location", () => {
    const w = wf([call("n1", "t#double", input), inline("i1", "t#w$bad", ref("n1"))], ref("i1"));
    expect(() => drive(w, 2)).toThrow(InlineStepError);
    expect(() => drive(w, 2)).toThrow(/the expression at t\.ts:7:9 \(inline step t#w\$bad\) threw TypeError: Cannot read properties of undefined/);
  });
});

describe("RunGraph branches", () => {
  // if (T(x) > 10) return boom(); else return inc(T(x)).
  const ifElse = (test: Value) =>
    wf(
      [
        call("n1", "t#double", input),
        inline("i2", "t#w$gt", ref("n1"), lit(10)),
        branch("b3", test, [
          [[call("n4", "t#boom")], ref("n4")],
          [[call("n5", "t#inc", ref("n1"))], ref("n5")],
        ]),
      ],
      ref("b3"),
    );

  it("instantiates only the taken arm once the test is known, and reports the other arm's tasks as skipped", () => {
    const w = ifElse(ref("i2"));
    const graph = new RunGraph(w, { read: () => undefined });
    expect(graph.start().map((i) => i.id)).toEqual(["n1"]);
    expect(graph.knownCount).toBe(1);
    const { result, order, skipped } = drive(w, 3);
    expect(result).toBe(7);
    expect(order).toEqual(["n1", "n5"]);
    expect(skipped).toEqual([{ id: "n4", nodeId: "n4", task: "t#boom", branch: "b3" }]);
  });

  it("decides a test over the input at submission", () => {
    const w = wf(
      [
        branch("b1", { kind: "get", of: input, path: ["fast"] }, [
          [[call("n2", "t#inc", lit(1))], ref("n2")],
          [[call("n3", "t#boom")], ref("n3")],
        ]),
      ],
      ref("b1"),
    );
    const graph = new RunGraph(w, { read: (v) => resolveValue(v, { fast: true }, () => undefined) });
    expect(graph.start().map((i) => i.id)).toEqual(["n2"]);
    expect(drive(w, { fast: true }).result).toBe(2);
  });

  it("chooses with ?? (nullish) and switch (index) selectors", () => {
    const nullish = wf(
      [
        branch(
          "b1",
          { kind: "get", of: input, path: ["v"] },
          [
            [[call("n2", "t#inc", lit(0))], ref("n2")],
            [[], { kind: "get", of: input, path: ["v"] }],
          ],
          "nullish",
        ),
      ],
      ref("b1"),
    );
    expect(drive(nullish, { v: 0 }).result).toBe(0);
    expect(drive(nullish, {}).result).toBe(1);
    const sw = wf(
      [
        inline("i1", "t#w$pick", input),
        branch(
          "b2",
          ref("i1"),
          [
            [[], lit("none")],
            [[call("n3", "t#inc", lit(10))], ref("n3")],
            [[call("n4", "t#double", lit(10))], ref("n4")],
          ],
          "index",
        ),
      ],
      ref("b2"),
    );
    expect(drive(sw, "a").result).toBe(11);
    expect(drive(sw, "b").result).toBe(20);
    const none = drive(sw, "z");
    expect(none.result).toBe("none");
    expect(none.skipped.map((s) => s.id)).toEqual(["n3", "n4"]);
  });

  it("runs branches inside a map per element, with the element's suffix, and nested branches", () => {
    // xs.map((x) => x > 1 ? (x > 2 ? double(x) : inc(x)) : boom()), then a sum
    const inner = branch("b4", { kind: "call", fn: "t#w$gt", args: [el("m1"), lit(2)] }, [
      [[call("n5", "t#double", el("m1"))], ref("n5")],
      [[call("n6", "t#inc", el("m1"))], ref("n6")],
    ]);
    const w = wf(
      [
        map(
          "m1",
          input,
          [
            inline("i2", "t#w$gt", el("m1"), lit(1)),
            branch("b3", ref("i2"), [
              [[inner], ref("b4")],
              [[call("n7", "t#boom")], ref("n7")],
            ]),
          ],
          ref("b3"),
        ),
        call("n8", "t#sum", ref("m1")),
      ],
      arr(ref("m1"), ref("n8")),
    );
    const { result, order, skipped } = drive(w, [2, 3]);
    expect(result).toEqual([[3, 6], 9]);
    expect(order).toEqual(["n6[0]", "n5[1]", "n8"]);
    expect(skipped.map((s) => s.id).sort()).toEqual(["n5[0]", "n6[1]", "n7[0]", "n7[1]"]);
  });

  it("maps over a branch's result once it is known", () => {
    const w = wf(
      [
        branch("b1", { kind: "get", of: input, path: ["long"] }, [
          [[call("n2", "t#range", lit(4))], ref("n2")],
          [[], lit([7] as never)],
        ]),
        map("m3", ref("b1"), [call("n4", "t#inc", el("m3"))], ref("n4")),
      ],
      ref("m3"),
    );
    expect(drive(w, { long: true }).result).toEqual([1, 2, 3, 4]);
    expect(drive(w, { long: false }).result).toEqual([8]);
  });
});

describe("GraphReplica branches", () => {
  const w = wf(
    [
      call("n1", "t#double", input),
      inline("i2", "t#w$gt", ref("n1"), lit(10)),
      branch("b3", ref("i2"), [
        [[call("n4", "t#boom")], ref("n4")],
        [[call("n5", "t#inc", ref("n1"))], ref("n5")],
      ]),
    ],
    ref("b3"),
  );

  it("blocks at the test's producer, records the decision, and rebuilds the taken arm from it", () => {
    const first = new GraphReplica(w, 3, new Map(), fns);
    expect(first.isBlocked("n1")).toBe(true);
    expect(first.instance("n5")).toBeUndefined();
    const expansion = first.completeReal("n1", new Map([["n1", 6]]));
    expect(expansion.created.map((i) => i.id)).toEqual(["n5"]);
    expect(expansion.lengths).toEqual([[`?${JSON.stringify({ kind: "call", fn: "t#w$gt", args: [ref("n1"), lit(10)] })}`, 1]]);
    const later = new GraphReplica(w, 3, new Map(expansion.lengths), fns);
    expect(later.isBlocked("n1")).toBe(false);
    expect(later.instance("n5")?.deps).toEqual(["n1"]);
    expect(later.instance("n4")).toBeUndefined();
    // n5 reads n1 without having waited for it: a redelivered n1 must name it.
    expect(later.directDependents("n1").map((d) => d.id)).toEqual(["n5"]);
    expect(later.result()).toEqual(ref("n5"));
  });

  it("keeps graphs of tests over the input by the arm they took", () => {
    const byInput = wf(
      [
        branch("b1", { kind: "get", of: input, path: ["fast"] }, [
          [[call("n2", "t#inc", lit(1))], ref("n2")],
          [[call("n3", "t#double", lit(1))], ref("n3")],
        ]),
      ],
      ref("b1"),
    );
    const fast = new GraphReplica(byInput, { fast: true }, new Map());
    const again = new GraphReplica(byInput, { fast: 1 }, new Map());
    const slow = new GraphReplica(byInput, { fast: false }, new Map());
    expect(again.instance("n2")).toBe(fast.instance("n2"));
    expect(slow.instance("n2")).toBeUndefined();
    expect(slow.instance("n3")).toBeDefined();
  });
});
