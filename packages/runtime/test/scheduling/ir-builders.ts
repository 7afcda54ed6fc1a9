/** Builders of graph IR for scheduler tests: `wf([call("n1", "t#inc", input)], ref("n1"))`. */
import type { BranchSelect, GraphNode, Value, WorkflowIR } from "@taskloom/sdk/internal";

export const loc = { file: "t.ts", line: 1, column: 1 };
export const input: Value = { kind: "input" };
export const get = (...path: string[]): Value => ({ kind: "get", of: input, path });
export const el = (map: string): Value => ({ kind: "element", map });
export const ref = (node: string): Value => ({ kind: "node", node });
export const arr = (...values: Value[]): Value => ({ kind: "array", items: values.map((value) => ({ value })) });
export const call = (id: string, task: string, ...args: Value[]): GraphNode => ({ kind: "task", id, task, args: arr(...args), loc });
export const map = (id: string, over: Value, nodes: GraphNode[], result: Value, flat = false): GraphNode => ({
  kind: "map",
  id,
  over,
  flat,
  body: { nodes, result },
  loc,
});
export const wf = (nodes: GraphNode[], result: Value): WorkflowIR => ({ name: "w", className: "C", hasInput: true, loc, nodes, result });
export const lit = (value: number | string | boolean | null): Value => ({ kind: "literal", value });
export const inline = (id: string, fn: string, ...args: Value[]): GraphNode => ({ kind: "inline", id, fn, args, loc });
export const branch = (id: string, test: Value, arms: [GraphNode[], Value][], select: BranchSelect = "truthy"): GraphNode => ({
  kind: "branch",
  id,
  test,
  select,
  arms: arms.map(([nodes, result]) => ({ nodes, result })),
  loc,
});
