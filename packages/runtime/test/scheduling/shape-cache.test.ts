/**
 * The shape cache: a graph built for one run serves later runs whose fan-outs read arrays of the
 * same lengths, and only those. Instances taken from the cache must compute each run's own values.
 */
import type { WorkflowIR } from "@taskloom/sdk/internal";
import { describe, expect, it } from "vitest";
import { input, get, el, ref, arr, call, map, wf } from "./ir-builders.js";
import { RunGraph } from "../../src/scheduling/run-graph.js";
import { resolveValue } from "../../src/scheduling/resolve-value.js";
import { RecordingReader, ShapeCache } from "../../src/scheduling/shape-cache.js";
import type { TaskInstance } from "../../src/scheduling/task-instance.js";

/** Two fan-outs over two properties of the input, each summed. */
const twoFans = wf(
  [
    map("m1", get("xs"), [call("n1", "t#inc", el("m1"))], ref("n1")),
    map("m2", get("ys"), [call("n2", "t#inc", el("m2"))], ref("n2")),
    call("n3", "t#sum", ref("m1")),
    call("n4", "t#sum", ref("m2")),
  ],
  arr(ref("n3"), ref("n4")),
);

interface Built {
  roots: TaskInstance[];
  known: number;
}

function build(cache: ShapeCache<Built>, workflow: WorkflowIR, runInput: unknown): { built: Built; hit: boolean } {
  const cached = cache.get(workflow, runInput, "");
  if (cached) return { built: cached, hit: true };
  const reader = new RecordingReader(runInput);
  const graph = new RunGraph(workflow, reader);
  const built = { roots: graph.start(), known: graph.knownCount };
  cache.set(workflow, reader.reads, "", built, built.known);
  return { built, hit: false };
}

describe("ShapeCache", () => {
  it("serves a run whose arrays have the same lengths, and its instances read the new run's values", () => {
    const cache = new ShapeCache<Built>();
    const first = build(cache, twoFans, { xs: [1, 2, 3], ys: [10] });
    const second = build(cache, twoFans, { xs: [7, 8, 9], ys: [40], extra: "ignored" });
    expect(first.hit).toBe(false);
    expect(second.hit).toBe(true);
    expect(second.built).toBe(first.built);
    const args = second.built.roots.map((r) => resolveValue(r.args, { xs: [7, 8, 9], ys: [40] }, () => undefined));
    expect(args).toEqual([[7], [8], [9], [40]]);
  });

  it("misses when any array read has another length, or is no longer an array, or the key differs", () => {
    const cache = new ShapeCache<Built>();
    build(cache, twoFans, { xs: [1, 2, 3], ys: [10] });
    expect(build(cache, twoFans, { xs: [1, 2, 3], ys: [10, 11] }).hit).toBe(false);
    expect(build(cache, twoFans, { xs: [1, 2], ys: [10] }).hit).toBe(false);
    expect(cache.get(twoFans, { xs: "abc", ys: [10] }, "")).toBeUndefined();
    expect(cache.get(twoFans, null, "")).toBeUndefined();
    expect(cache.get(twoFans, { xs: [1, 2, 3], ys: [10] }, "other key")).toBeUndefined();
    const wider = build(cache, twoFans, { xs: [0, 0, 0, 0], ys: [] });
    expect(wider.built.known).toBe(4 + 0 + 2);
  });

  it("keeps the most recently used shapes of a workflow, up to its limit", () => {
    const cache = new ShapeCache<Built>(2);
    const shape = (n: number) => ({ xs: Array.from({ length: n }, () => 0), ys: [] });
    build(cache, twoFans, shape(1));
    build(cache, twoFans, shape(2));
    expect(build(cache, twoFans, shape(1)).hit).toBe(true); // 1 is now the most recent
    build(cache, twoFans, shape(3)); // evicts 2
    expect(build(cache, twoFans, shape(1)).hit).toBe(true);
    expect(build(cache, twoFans, shape(2)).hit).toBe(false);
  });

  it("keeps at most maxSize instances in all, dropping the least recently used shapes of any workflow", () => {
    const cache = new ShapeCache<Built>(4, 10);
    const other = wf(twoFans.nodes, twoFans.result);
    const shape = (n: number) => ({ xs: Array.from({ length: n }, () => 0), ys: [] });
    build(cache, twoFans, shape(2)); // 4 instances
    build(cache, other, shape(3)); // 5
    expect(cache.size).toBe(9);
    expect(build(cache, twoFans, shape(2)).hit).toBe(true); // other's shape is now the oldest
    build(cache, twoFans, shape(1)); // 3: over 10, drops other's
    expect(cache.size).toBe(7);
    expect(build(cache, other, shape(3)).hit).toBe(false); // built again (5): drops twoFans(2), the oldest
    expect(cache.size).toBe(8);
    expect(build(cache, twoFans, shape(1)).hit).toBe(true);
    expect(build(cache, twoFans, shape(20)).hit).toBe(false); // 22 instances: never kept
    expect(build(cache, twoFans, shape(20)).hit).toBe(false);
    expect(cache.size).toBe(8);
  });

  it("records only arrays read from the input: a workflow without fan-out has one shape", () => {
    const single = wf([call("n1", "t#inc", input)], ref("n1"));
    const reader = new RecordingReader(5);
    new RunGraph(single, reader).start();
    expect(reader.reads).toEqual([]);
    const cache = new ShapeCache<Built>();
    build(cache, single, 5);
    expect(build(cache, single, "anything").hit).toBe(true);
  });
});
