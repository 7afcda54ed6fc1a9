import type { GraphBody, Value } from "@taskloom/sdk/internal";

/**
 * The task nodes whose results only ever feed arguments of task calls in the same graph body
 * (same map scope). Every reader of such a node's instance is created together with it, so once
 * those readers run in the same batch, the result never needs to leave the worker thread (e.g.
 * `count(tokenize(chunk))`: the token array stays on the thread).
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
    } else {
      for (const ref of refsOf(node.items)) otherRefs.add(ref);
    }
  }
  for (const ref of refsOf(body.result)) otherRefs.add(ref);
}

function refsOf(value: Value, into: string[] = []): string[] {
  switch (value.kind) {
    case "node":
      into.push(value.node);
      break;
    case "get":
      refsOf(value.of, into);
      break;
    case "array":
      for (const item of value.items) refsOf(item.value, into);
      break;
    case "object":
      for (const entry of value.entries) refsOf(entry.value, into);
      break;
    default:
      break;
  }
  return into;
}
