import type { GraphBody, GraphNode, Value } from "@taskloom/sdk/internal";
import { collectRefs } from "../../scheduling/value-ops.js";

/**
 * The task nodes whose results only ever feed arguments of task calls in the same graph body
 * (same map scope), directly or through inline steps that only such arguments read. Every reader
 * of such a node's instance is created together with it, so once those readers run in the same
 * batch, the result never needs to leave the worker thread (e.g. `count(tokenize(chunk))`: the
 * token array stays on the thread; `T2(T1(x) + 1)` likewise).
 */
export function findWorkerLocalNodes(workflow: GraphBody): Set<string> {
  const taskNodes = new Set<string>();
  const otherRefs = new Set<string>();
  visitBody(workflow, taskNodes, otherRefs);
  const local = new Set<string>();
  for (const id of taskNodes) if (!otherRefs.has(id)) local.add(id);
  return local;
}

/** Collects task node ids, and the refs that are not task arguments within the same body. */
function visitBody(body: GraphBody, taskNodes: Set<string>, otherRefs: Set<string>): void {
  const own = new Set(body.nodes.map((n) => n.id));
  for (const node of body.nodes) {
    if (node.kind === "task") {
      taskNodes.add(node.id);
      // A map body reading an outer node: its readers are created later, when the map expands.
      for (const ref of refsOf(node.args)) if (!own.has(ref)) otherRefs.add(ref);
    } else if (node.kind === "map") {
      for (const ref of refsOf(node.over)) otherRefs.add(ref);
      visitBody(node.body, taskNodes, otherRefs);
    } else if (node.kind === "branch") {
      // The main thread reads the test; an arm's readers are created when it is taken.
      for (const ref of refsOf(node.test)) otherRefs.add(ref);
      for (const arm of node.arms) visitBody(arm, taskNodes, otherRefs);
    } else if (node.kind === "reduce") {
      for (const ref of refsOf(node.items)) otherRefs.add(ref);
      for (const arg of node.args ?? []) for (const ref of refsOf(arg)) otherRefs.add(ref);
    }
  }
  for (const ref of refsOf(body.result)) otherRefs.add(ref);
  // Inline steps last, readers before what they read: one that only task arguments of this body
  // read passes its inputs on as such; any other reader makes its inputs come back.
  for (let i = body.nodes.length - 1; i >= 0; i--) {
    const node = body.nodes[i] as GraphNode;
    if (node.kind !== "inline") continue;
    const exposed = otherRefs.has(node.id);
    for (const arg of node.args) for (const ref of refsOf(arg)) if (exposed || !own.has(ref)) otherRefs.add(ref);
  }
}

/**
 * The task nodes whose instances feed a `treeReduce` as its items and nothing else: the results of
 * a map body (a plain `node` result) whose map is read only as the items of one reduce, mapped to
 * that reduce's node id. Such a leaf that a pair of the reduce reads is not the reduce's result,
 * so it may stay on the thread once its readers are in the same batch.
 */
export function findReduceLeaves(workflow: GraphBody): Map<string, string> {
  const reducers = new Map<string, string[]>();
  const elsewhere = new Set<string>();
  const results = new Map<string, Value>();
  scanReads(workflow, reducers, elsewhere, results);
  for (const r of refsOf(workflow.result)) elsewhere.add(r);
  const leaves = new Map<string, string>();
  for (const [mapId, reduces] of reducers) {
    const result = results.get(mapId);
    if (reduces.length === 1 && !elsewhere.has(mapId) && result?.kind === "node") leaves.set(result.node, reduces[0] as string);
  }
  // A leaf that something else reads too must come back.
  for (const id of [...leaves.keys()]) if (elsewhere.has(id)) leaves.delete(id);
  return leaves;
}

/** Collects who reduces each node (as the whole items), every other read, and map body results. */
function scanReads(body: GraphBody, reducers: Map<string, string[]>, elsewhere: Set<string>, results: Map<string, Value>): void {
  for (const node of body.nodes) {
    if (node.kind === "reduce" && node.items.kind === "node" && node.task !== undefined) {
      const list = reducers.get(node.items.node) ?? [];
      list.push(node.id);
      reducers.set(node.items.node, list);
    } else if (node.kind === "reduce") {
      for (const r of refsOf(node.items)) elsewhere.add(r);
      for (const arg of node.args ?? []) for (const r of refsOf(arg)) elsewhere.add(r);
    } else if (node.kind === "task") {
      for (const r of refsOf(node.args)) elsewhere.add(r);
    } else if (node.kind === "inline") {
      for (const arg of node.args) for (const r of refsOf(arg)) elsewhere.add(r);
    } else if (node.kind === "branch") {
      for (const r of refsOf(node.test)) elsewhere.add(r);
      for (const arm of node.arms) {
        scanReads(arm, reducers, elsewhere, results);
        for (const r of refsOf(arm.result)) elsewhere.add(r);
      }
    } else {
      for (const r of refsOf(node.over)) elsewhere.add(r);
      results.set(node.id, node.body.result);
      scanReads(node.body, reducers, elsewhere, results);
      // The body result is read through the map; other reads of it count.
      const inner = node.body.result.kind === "node" ? node.body.result.node : undefined;
      if (inner === undefined) for (const r of refsOf(node.body.result)) elsewhere.add(r);
    }
  }
}

function refsOf(value: Value): string[] {
  return [...collectRefs(value, new Set())];
}
