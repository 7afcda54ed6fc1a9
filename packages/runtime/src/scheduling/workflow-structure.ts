import { createHash } from "node:crypto";
import type { GraphBody, Value, WorkflowIR } from "@taskloom/sdk/internal";

const memo = new WeakMap<WorkflowIR, string>();

/**
 * The hash of a workflow's structure: its class and name, its nodes (kinds, ids, tasks) and how
 * values flow between them, with literal values and source locations left out. Runs of the same
 * workflow share it whatever their input; it keys the workflow's history.
 *
 * @example
 * ```ts
 * workflowStructure(ir); // "5f0c2a9e1b7d3c44"
 * ```
 */
export function workflowStructure(workflow: WorkflowIR): string {
  let hash = memo.get(workflow);
  if (!hash) {
    const h = createHash("sha256");
    h.update(`${workflow.className}.${workflow.name}|${workflow.hasInput}|`);
    body(h, workflow);
    hash = h.digest("hex").slice(0, 16);
    memo.set(workflow, hash);
  }
  return hash;
}

type Hash = ReturnType<typeof createHash>;

function body(h: Hash, b: GraphBody): void {
  for (const n of b.nodes) {
    h.update(`${n.kind}:${n.id}:`);
    switch (n.kind) {
      case "task":
        h.update(n.task);
        value(h, n.args);
        break;
      case "map":
        h.update(n.flat ? "flat" : "map");
        value(h, n.over);
        h.update("{");
        body(h, n.body);
        h.update("}");
        break;
      case "reduce":
        h.update(n.task ?? `${n.fn}(`);
        for (const a of n.args ?? []) value(h, a);
        value(h, n.items);
        break;
      case "inline":
        h.update(n.fn);
        for (const a of n.args) value(h, a);
        break;
      case "branch":
        h.update(n.select);
        value(h, n.test);
        for (const arm of n.arms) {
          h.update("{");
          body(h, arm);
          h.update("}");
        }
        break;
      default:
        // A node kind added later still shapes the structure by its JSON.
        h.update(JSON.stringify({ ...(n as object), loc: undefined }));
    }
    h.update(";");
  }
  value(h, b.result);
}

function value(h: Hash, v: Value): void {
  switch (v.kind) {
    case "literal":
      h.update("L");
      return;
    case "undefined":
    case "input":
      h.update(v.kind[0]!);
      return;
    case "element":
    case "index":
      h.update(`${v.kind[0]}${v.map}`);
      return;
    case "node":
      h.update(`@${v.node}`);
      return;
    case "get":
      h.update(`.${v.path.join(".")}(`);
      value(h, v.of);
      h.update(")");
      return;
    case "array":
      h.update("[");
      for (const i of v.items) {
        if (i.spread) h.update("...");
        value(h, i.value);
        h.update(",");
      }
      h.update("]");
      return;
    case "object":
      h.update("{");
      for (const e of v.entries) {
        h.update(e.spread ? "..." : `${e.key}:`);
        value(h, e.value);
        h.update(",");
      }
      h.update("}");
      return;
    case "call":
      h.update(`${v.fn}(`);
      for (const a of v.args) value(h, a);
      h.update(")");
      return;
    default:
      h.update(JSON.stringify(v));
  }
}
