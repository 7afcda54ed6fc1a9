import { previewValue, type ValuePreview } from "../codec/value-preview.js";
import type { DashboardGraph } from "./dashboard-graph.js";
import { nodeOfInstance } from "./dashboard-graph.js";
import type { RunView } from "./run-view.js";

/** One upstream instance whose output feeds a task instance, as the inspector shows it. */
export interface TaskInput {
  instanceId: string;
  name: string;
  state: string;
  /** Bytes of its output (once it finished), and how many of them were stored in Redis. */
  outputBytes?: number;
  storedBytes?: number;
  /** Where the output lives: `redis`, or `memory of <worker>` (a worker kept it and passed it on), or `unknown`. */
  where: string;
  /** The value while a live remote run keeps it in Redis (the first {@link PREVIEWED} inputs). */
  preview?: ValuePreview;
}

/** Inputs read back from Redis for a preview, at most. */
const PREVIEWED = 8;
/** Upstream instances listed per upstream node, at most (a whole fan-out feeding a reduction). */
const LISTED = 50;

/** The task nodes feeding `node`, looking through maps, branches and inline steps. */
function upstreamNodes(graph: DashboardGraph, node: string): string[] {
  const kind = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const into = new Map<string, string[]>();
  for (const e of graph.edges) {
    let list = into.get(e.to);
    if (!list) into.set(e.to, (list = []));
    list.push(e.from);
  }
  const found: string[] = [];
  const seen = new Set<string>([node]);
  const stack = [...(into.get(node) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const k = kind.get(id);
    if (k === "task" || k === "reduce") found.push(id);
    else stack.push(...(into.get(id) ?? []));
  }
  return found;
}

/**
 * The upstream instances of `instanceId` from the compiled graph: for each task node feeding its
 * node, the instance of the same map element (`n2[3]` for `n3[3]`), else the node's single
 * instance, else all its instances (a collection; up to {@link LISTED}), with their sizes, where
 * their outputs live, and a preview of those a live remote run still keeps in Redis.
 */
export async function inputsOf(view: RunView, instanceId: string): Promise<{ inputs: TaskInput[]; more: number }> {
  const node = nodeOfInstance(instanceId);
  const suffix = instanceId.slice(node.length);
  const byNode = new Map<string, string[]>();
  for (const id of view.tasks.keys()) {
    const n = nodeOfInstance(id);
    let list = byNode.get(n);
    if (!list) byNode.set(n, (list = []));
    list.push(id);
  }
  const ids: string[] = [];
  let more = 0;
  for (const up of upstreamNodes(view.graph, node)) {
    const all = byNode.get(up) ?? [];
    if (suffix && view.tasks.has(up + suffix)) ids.push(up + suffix);
    else if (view.tasks.has(up)) ids.push(up);
    else {
      ids.push(...all.slice(0, LISTED));
      more += Math.max(0, all.length - LISTED);
    }
  }
  const inputs = await Promise.all(
    ids.map(async (id, i): Promise<TaskInput> => {
      const t = view.tasks.get(id);
      const stored = (t?.storedBytes ?? 0) > 0;
      const value = i < PREVIEWED && view.readOutput ? await view.readOutput(id).catch(() => undefined) : undefined;
      return {
        instanceId: id,
        name: t?.name ?? id,
        state: t?.state ?? "waiting",
        ...(t?.outputBytes !== undefined ? { outputBytes: t.outputBytes, storedBytes: t.storedBytes ?? 0 } : {}),
        where: stored || value ? "redis" : t?.worker ? `memory of ${t.worker}` : "unknown",
        ...(value ? { preview: previewValue(value.value) } : {}),
      };
    }),
  );
  return { inputs, more };
}
