import path from "node:path";
import type { GraphNode, Value, WorkflowIR } from "@taskloom/sdk/internal";
import type { EmitTask } from "../../src/emit/emit-task.js";

/** A task of `file` (relative) on class `className`, as the analysis would describe it. */
export function irTask(root: string, file: string, className: string, method: string, line = 1): [string, EmitTask] {
  const id = `${file}#${className}.${method}`;
  return [id, { exportName: className, method, loc: { file, line, column: 3 }, sourceFile: path.join(root, file) }];
}

/** A workflow `name` that chains `length` calls of task `taskId` starting from its input. */
export function chainWorkflow(file: string, className: string, name: string, taskId: string, length: number): WorkflowIR {
  const nodes: GraphNode[] = [];
  let prev: Value = { kind: "input" };
  for (let i = 0; i < length; i++) {
    const id = `n${i}`;
    nodes.push({ kind: "task", id, task: taskId, args: { kind: "array", items: [{ value: prev }] }, loc: { file, line: 10, column: 5 } });
    prev = { kind: "node", node: id };
  }
  return { name, className, hasInput: true, nodes, result: prev, loc: { file, line: 8, column: 3 } };
}
