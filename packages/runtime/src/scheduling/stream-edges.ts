import type { GraphBody, GraphNode, ModuleManifest, TaskNode, Value, WorkflowIR } from "@taskloom/sdk/internal";

/** One streaming argument: parameter `param` of the consumer reads the chunks of node `producer` (same body). */
export interface StreamEdge {
  param: number;
  producer: string;
}

/** A workflow ready to schedule with its streams, and where its streams go. */
export interface StreamWorkflow {
  /** The workflow with each streaming argument rewritten (see {@link streamWorkflow}); the same object when it has no stream. */
  workflow: WorkflowIR;
  /** Consumer node id → its streaming arguments. */
  consumers: ReadonlyMap<string, readonly StreamEdge[]>;
  /** Producer node id → its consumer's node id. */
  producers: ReadonlyMap<string, string>;
}

const cache = new WeakMap<WorkflowIR, StreamWorkflow>();

/** Whether `task` streams its output or reads a stream (then it runs alone in its batch, never retried). */
export function isStreamTask(manifest: ModuleManifest, task: string): boolean {
  return manifest.tasks[task]?.stream !== undefined;
}

/**
 * The workflow as the schedulers run it when some tasks stream. A consumer must start when its
 * producer starts, not when it ends: each streaming argument (`{ node: P }`, whole, at an
 * `AsyncIterable` parameter, as `dag-compile` checks) is replaced by the array of P's own
 * dependencies, so that the consumer becomes ready together with its producer (in every runtime:
 * local graph, remote counters, replicas). The thread that runs the consumer puts the stream's
 * iterable at that position; the placeholder's value is never read. Memoized per workflow (the
 * rewritten one gives the same answer).
 */
export function streamWorkflow(workflow: WorkflowIR, manifest: ModuleManifest): StreamWorkflow {
  let out = cache.get(workflow);
  if (out) return out;
  const consumers = new Map<string, StreamEdge[]>();
  const producers = new Map<string, string>();
  const streams = Object.values(manifest.tasks).some((t) => t.stream?.params !== undefined);
  const rewritten = streams ? { ...workflow, ...rewriteBody(workflow, manifest, consumers, producers) } : workflow;
  out = { workflow: rewritten, consumers, producers };
  cache.set(workflow, out);
  cache.set(rewritten, out);
  return out;
}

function rewriteBody(body: GraphBody, manifest: ModuleManifest, consumers: Map<string, StreamEdge[]>, producers: Map<string, string>): GraphBody {
  const byId = new Map(body.nodes.map((n) => [n.id, n]));
  const nodes = body.nodes.map((node): GraphNode => {
    if (node.kind === "map") return { ...node, body: rewriteBody(node.body, manifest, consumers, producers) };
    if (node.kind === "branch") return { ...node, arms: node.arms.map((arm) => rewriteBody(arm, manifest, consumers, producers)) };
    if (node.kind !== "task") return node;
    const params = manifest.tasks[node.task]?.stream?.params;
    if (params === undefined || node.args.kind !== "array") return node;
    const edges: StreamEdge[] = [];
    const items = node.args.items.map((item, position) => {
      const producer = item.value.kind === "node" ? byId.get(item.value.node) : undefined;
      if (!params.includes(position) || producer?.kind !== "task") return item;
      edges.push({ param: position, producer: producer.id });
      producers.set(producer.id, node.id);
      return { value: producerDeps(producer) };
    });
    if (edges.length === 0) return node;
    consumers.set(node.id, edges);
    return { ...node, args: { kind: "array", items } } satisfies TaskNode;
  });
  return { nodes, result: body.result };
}

/** An array of the node results `producer`'s arguments read: what the consumer now waits for. */
function producerDeps(producer: TaskNode): Value {
  const ids = new Set<string>();
  const walk = (v: Value): void => {
    if (v.kind === "node") ids.add(v.node);
    else if (v.kind === "get") walk(v.of);
    else if (v.kind === "array") for (const i of v.items) walk(i.value);
    else if (v.kind === "object") for (const e of v.entries) walk(e.value);
    else if (v.kind === "call") for (const a of v.args) walk(a);
  };
  walk(producer.args);
  return { kind: "array", items: [...ids].map((node) => ({ value: { kind: "node", node } })) };
}

/** The id of the instance of `nodeId` in the same map element as instance `instanceId` of node `ofNode`. */
export function sibling(instanceId: string, ofNode: string, nodeId: string): string {
  return nodeId + instanceId.slice(ofNode.length);
}
