import type { GraphNode, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { describe, expect, it } from "vitest";
import { RunGraph } from "../../src/scheduling/run-graph.js";
import { resolveValue } from "../../src/scheduling/resolve-value.js";
import type { TaskInstance } from "../../src/scheduling/task-instance.js";

const loc = { file: "t.ts", line: 1, column: 1 };
const input: Value = { kind: "input" };
const ref = (node: string): Value => ({ kind: "node", node });
const el = (map: string): Value => ({ kind: "element", map });
const lit = (value: number | string): Value => ({ kind: "literal", value });
const arr = (...values: Value[]): Value => ({ kind: "array", items: values.map((value) => ({ value })) });
const call = (id: string, task: string, ...args: Value[]): GraphNode => ({ kind: "task", id, task, args: arr(...args), loc });
const map = (id: string, over: Value, nodes: GraphNode[], result: Value, flat = false): GraphNode => ({
  kind: "map",
  id,
  over,
  flat,
  body: { nodes, result },
  loc,
});
const wf = (nodes: GraphNode[], result: Value): WorkflowIR => ({ name: "w", className: "C", hasInput: true, loc, nodes, result });

const impls: Record<string, (...args: never[]) => unknown> = {
  inc: (x: number) => x + 1,
  double: (x: number) => x * 2,
  add: (a: number, b: number) => a + b,
  sum: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
  range: (n: number) => Array.from({ length: n }, (_, i) => i),
  pair: (a: unknown, b: unknown) => [a, b],
  split: (x: number) => ({ left: x, right: [x * 10] }),
};

/** Drives the scheduler with real in-process calls, in a chosen completion order. */
function drive(workflow: WorkflowIR, runInput: unknown, pick: (ready: TaskInstance[]) => number = () => 0) {
  const results = new Map<string, unknown>();
  const read = (v: Value) => resolveValue(v, runInput, (id) => results.get(id));
  const graph = new RunGraph(workflow, { read });
  const ready = graph.start();
  const order: string[] = [];
  while (ready.length > 0) {
    const [inst] = ready.splice(pick(ready), 1) as [TaskInstance];
    const fn = impls[inst.task.split("#")[1] as string] as (...a: unknown[]) => unknown;
    results.set(inst.id, fn(...(read(inst.args) as unknown[])));
    order.push(inst.id);
    ready.push(...graph.complete(inst.id));
  }
  expect(graph.done).toBe(true);
  return { result: read(graph.result()), order, graph };
}

describe("RunGraph", () => {
  it("runs a map with a chain per element and a fan-in (wordcount's shape)", () => {
    const w = wf([map("m1", input, [call("n2", "t#inc", el("m1")), call("n3", "t#double", ref("n2"))], ref("n3")), call("n4", "t#sum", ref("m1"))], ref("n4"));
    const { result, order, graph } = drive(w, [1, 2, 3]);
    expect(result).toBe((2 + 3 + 4) * 2);
    expect(order).toEqual(["n2[0]", "n2[1]", "n2[2]", "n3[0]", "n3[1]", "n3[2]", "n4"]);
    expect(graph.knownCount).toBe(7);
  });

  it("expands treeReduce over a map's result at submission, pairing level by level", () => {
    const w = wf([map("m1", input, [call("n2", "t#inc", el("m1"))], ref("n2")), { kind: "reduce", id: "r3", items: ref("m1"), task: "t#add", loc }], ref("r3"));
    const xs = Array.from({ length: 1024 }, (_, i) => i - 1);
    const results = new Map<string, unknown>();
    const graph = new RunGraph(w, { read: (v) => resolveValue(v, xs, (id) => results.get(id)) });
    const first = graph.start();
    expect(first).toHaveLength(1024);
    expect(graph.knownCount).toBe(2047);
    expect(drive(w, xs).result).toBe(523776);
    const odd = drive(wf(w.nodes, ref("r3")), [0, 1, 2, 3, 4]);
    expect(odd.order.filter((id) => id.startsWith("r3"))).toEqual(["r3~1.0", "r3~1.1", "r3~2.0", "r3~3.0"]);
    expect(odd.result).toBe(15);
  });

  it("pipelines chained maps: g[i] is ready as soon as f[i] is done", () => {
    const w = wf(
      [map("m1", input, [call("n2", "t#inc", el("m1"))], ref("n2")), map("m3", ref("m1"), [call("n4", "t#double", el("m3"))], ref("n4"))],
      ref("m3"),
    );
    const results = new Map<string, unknown>();
    const graph = new RunGraph(w, { read: (v) => resolveValue(v, [5, 6], (id) => results.get(id)) });
    expect(graph.start().map((i) => i.id)).toEqual(["n2[0]", "n2[1]"]);
    results.set("n2[0]", 6);
    expect(graph.complete("n2[0]").map((i) => i.id)).toEqual(["n4[0]"]);
    expect(drive(w, [5, 6]).result).toEqual([12, 14]);
  });

  it("expands a map over a task's result when it finishes, nested maps included", () => {
    const w = wf(
      [
        call("n1", "t#range", input),
        map("m2", ref("n1"), [map("m3", { kind: "literal", value: [10, 20] }, [call("n4", "t#add", el("m2"), el("m3"))], ref("n4"))], ref("m3")),
      ],
      ref("m2"),
    );
    const { result, order } = drive(w, 3);
    expect(result).toEqual([
      [10, 20],
      [11, 21],
      [12, 22],
    ]);
    expect(order).toContain("n4[2][1]");
  });

  it("flattens flatMap results and appends for..of accumulators", () => {
    const w = wf([map("m1", input, [call("n2", "t#pair", el("m1"), { kind: "index", map: "m1" })], ref("n2"), true)], {
      kind: "array",
      items: [{ value: lit("head") }, { spread: true, value: ref("m1") }],
    });
    expect(drive(w, ["a", "b"]).result).toEqual(["head", "a", 0, "b", 1]);
  });

  it("handles empty fan-outs, projections and destructured results", () => {
    const empty = wf([map("m1", input, [call("n2", "t#inc", el("m1"))], ref("n2")), call("n3", "t#sum", ref("m1"))], ref("n3"));
    expect(drive(empty, []).result).toBe(0);
    const proj = wf([call("n1", "t#split", input), call("n2", "t#inc", { kind: "get", of: ref("n1"), path: ["right", 0] })], {
      kind: "object",
      entries: [
        { key: "left", value: { kind: "get", of: ref("n1"), path: ["left"] } },
        { key: "r", value: ref("n2") },
      ],
    });
    expect(drive(proj, 4).result).toEqual({ left: 4, r: 41 });
  });

  it("gives the same result in any completion order", () => {
    const w = wf(
      [
        map("m1", input, [call("n2", "t#inc", el("m1")), call("n3", "t#double", ref("n2"))], ref("n3")),
        { kind: "reduce", id: "r4", items: ref("m1"), task: "t#add", loc },
      ],
      { kind: "array", items: [{ value: ref("r4") }, { value: ref("m1") }] },
    );
    const xs = [3, 1, 4, 1, 5, 9, 2];
    const a = drive(w, xs).result;
    const b = drive(w, xs, (ready) => ready.length - 1).result;
    expect(b).toEqual(a);
  });

  it("reports a map over a non-array and an empty treeReduce with the node's location", () => {
    const notArray = wf([map("m1", input, [call("n2", "t#inc", el("m1"))], ref("n2"))], ref("m1"));
    expect(() => drive(notArray, 5)).toThrow(/needs an array, got number \(at t\.ts:1:1\)/);
    const emptyReduce = wf([{ kind: "reduce", id: "r1", items: input, task: "t#add", loc }], ref("r1"));
    expect(() => drive(emptyReduce, [])).toThrow(/treeReduce needs at least one item/);
  });

  it("is done at once for a workflow without tasks", () => {
    const graph = new RunGraph(wf([], lit(1)), { read: () => undefined });
    expect(graph.start()).toEqual([]);
    expect(graph.done).toBe(true);
  });
});
