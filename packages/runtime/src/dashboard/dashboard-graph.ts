import type { GraphBody, ModuleManifest, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { taskNameOf } from "../protocol/manifest-check.js";
import { collectRefs } from "../scheduling/value-ops.js";

/** A node of the compiled DAG as the dashboard draws it. */
export interface DashboardNode {
  id: string;
  kind: "task" | "map" | "reduce" | "inline" | "branch";
  /** Task id (task nodes and reductions of a task), else undefined. */
  task?: string;
  /** Display name. */
  name: string;
  /** The map or branch whose body holds it. */
  parent?: string;
}

/** The compiled DAG of a workflow: its nodes and the data edges between them. */
export interface DashboardGraph {
  nodes: DashboardNode[];
  edges: { from: string; to: string }[];
}

/** Builds the graph the dashboard draws from a workflow's IR (before any task runs). */
export function dashboardGraphOf(manifest: ModuleManifest, workflow: WorkflowIR): DashboardGraph {
  const nodes: DashboardNode[] = [];
  const edges: { from: string; to: string }[] = [];
  const nameOf = (task: string): string => taskNameOf(manifest, task);
  const link = (to: string, values: Value[]): void => {
    const refs = new Set<string>();
    for (const v of values) collectRefs(v, refs);
    for (const from of refs) if (from !== to) edges.push({ from, to });
  };
  const walk = (body: GraphBody, parent: string | undefined): void => {
    for (const node of body.nodes) {
      const base = { id: node.id, kind: node.kind, ...(parent ? { parent } : {}) };
      switch (node.kind) {
        case "task":
          nodes.push({ ...base, task: node.task, name: nameOf(node.task) });
          link(node.id, [node.args]);
          break;
        case "map":
          nodes.push({ ...base, name: `map ${node.id}` });
          link(node.id, [node.over, node.body.result]);
          walk(node.body, node.id);
          break;
        case "reduce": {
          const task = node.task;
          nodes.push({ ...base, ...(task ? { task, name: `reduce ${nameOf(task)}` } : { name: `reduce ${node.id}` }) });
          link(node.id, [node.items]);
          break;
        }
        case "inline":
          nodes.push({ ...base, name: `inline ${node.id}` });
          link(node.id, node.args);
          break;
        case "branch":
          nodes.push({ ...base, name: `branch ${node.id}` });
          link(node.id, [node.test]);
          for (const arm of node.arms) walk(arm, node.id);
          break;
      }
    }
  };
  walk(workflow, undefined);
  return { nodes, edges };
}

/** The compiled node an instance id belongs to: `n3[2]` → `n3`, `r4~1.0` → `r4`. */
export function nodeOfInstance(instanceId: string): string {
  const cut = instanceId.search(/[[~]/);
  return cut < 0 ? instanceId : instanceId.slice(0, cut);
}

/**
 * A graph of the nodes that task instances name, without edges: for a run whose manifest is gone
 * (a past remote run, a run from the history).
 */
export function graphOfInstances(tasks: Iterable<{ instanceId: string; task: string; name: string }>): DashboardGraph {
  const nodes = new Map<string, DashboardNode>();
  for (const t of tasks) {
    const id = nodeOfInstance(t.instanceId);
    if (!nodes.has(id)) nodes.set(id, { id, kind: "task", task: t.task, name: t.name });
  }
  return { nodes: [...nodes.values()], edges: [] };
}
