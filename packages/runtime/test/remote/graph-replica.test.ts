/**
 * GraphReplica's sharing of settled graphs by shape: replicas of runs with the same shape share
 * one graph (the same instance objects), a replica still blocked on an expansion never does, and
 * an expansion on one replica never changes a graph another run uses.
 */
import { describe, expect, it } from "vitest";
import { input, el, ref, call, map, wf } from "../scheduling/ir-builders.js";
import { GraphReplica } from "../../src/scheduling/graph-replica.js";
import { resolveValue } from "../../src/scheduling/resolve-value.js";

describe("GraphReplica shapes", () => {
  it("shares the graph of a fan-out over the input between runs whose inputs have the same length", () => {
    const fan = wf([map("m1", input, [call("n1", "t#inc", el("m1"))], ref("n1")), call("n2", "t#sum", ref("m1"))], ref("n2"));
    const a = new GraphReplica(fan, [1, 2, 3], new Map());
    const b = new GraphReplica(fan, [7, 8, 9], new Map());
    const c = new GraphReplica(fan, [7, 8, 9, 10], new Map());
    expect(b.instance("n1[2]")).toBe(a.instance("n1[2]"));
    expect(b.dependents("n1[2]").map((d) => d.id)).toEqual(["n2"]);
    expect(resolveValue(b.instance("n1[2]")!.args, [7, 8, 9], () => undefined)).toEqual([9]);
    expect(c.instance("n1[3]")).toBeDefined();
    expect(c.instance("n1[0]")).not.toBe(a.instance("n1[0]"));
    expect(a.instance("n1[3]")).toBeUndefined();
    expect(c.instance("n2")!.deps).toHaveLength(4);
  });

  it("never shares a blocked graph, and shares it once the expansion's length is recorded", () => {
    const dynamic = wf(
      [call("n1", "t#range", input), map("m2", ref("n1"), [call("n3", "t#inc", el("m2"))], ref("n3")), call("n4", "t#sum", ref("m2"))],
      ref("n4"),
    );
    const first = new GraphReplica(dynamic, 3, new Map());
    const waiting = new GraphReplica(dynamic, 3, new Map());
    expect(first.isBlocked("n1")).toBe(true);
    expect(waiting.instance("n1")).not.toBe(first.instance("n1"));

    const expansion = first.completeReal("n1", new Map([["n1", [0, 1, 2]]]));
    expect(expansion.created.map((i) => i.id).sort()).toEqual(["n3[0]", "n3[1]", "n3[2]"]);
    expect(expansion.lengths).toHaveLength(1);
    // The other run's replica still waits for its own expansion.
    expect(waiting.isBlocked("n1")).toBe(true);
    expect(waiting.instance("n3[0]")).toBeUndefined();

    const lengths = new Map(expansion.lengths);
    const later = new GraphReplica(dynamic, 3, lengths);
    expect(later.isBlocked("n1")).toBe(false);
    expect(later.instance("n3[1]")).toBe(first.instance("n3[1]"));
    expect(later.version).toBe(1);
    // Another length recorded for the same array is another shape.
    const longer = new GraphReplica(dynamic, 3, new Map([[expansion.lengths[0]![0], 5]]));
    expect(longer.instance("n3[4]")).toBeDefined();
    expect(later.instance("n3[4]")).toBeUndefined();
  });

  it("lists the instances a source's expansion created among its direct dependents once its length is recorded", () => {
    const dynamic = wf(
      [call("n1", "t#range", input), map("m2", ref("n1"), [call("n3", "t#inc", el("m2"))], ref("n3")), call("n4", "t#sum", ref("m2"))],
      ref("n4"),
    );
    const first = new GraphReplica(dynamic, 3, new Map());
    const expansion = first.completeReal("n1", new Map([["n1", [0, 1, 2]]]));
    // A replica built with the length (a worker completing n1 again after its first worker died).
    const again = new GraphReplica(dynamic, 3, new Map(expansion.lengths));
    expect(again.isBlocked("n1")).toBe(false);
    expect(
      again
        .directDependents("n1")
        .map((d) => d.id)
        .sort(),
    ).toEqual(["n3[0]", "n3[1]", "n3[2]"]);
    expect(again.directDependents("n3[0]").map((d) => d.id)).toEqual(["n4"]);
  });
});
