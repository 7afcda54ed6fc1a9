import { Node } from "ts-morph";
import type { GraphBody, GraphNode, SourceLocation, TaskNode, Value, WorkflowIR } from "@taskloom/sdk/internal";
import type { AnalysisContext } from "./analysis-context.js";
import type { WorkflowState } from "./workflow-scope.js";

/** One place that reads a node's result: a direct argument of a task call, or anything else. */
interface Read {
  /** The body the reading node (or result) belongs to. */
  body: GraphBody;
  /** Where it reads (the reader node's location; undefined for a body's result). */
  loc: SourceLocation | undefined;
  /** When the read is a whole positional argument of a task call: the call and the position. */
  arg?: { call: TaskNode; position: number };
  /** What reads it, for messages. */
  what: string;
}

/** Collects the node ids a value reads (into `out`, with `read`). */
function refsOf(value: Value, read: Omit<Read, "arg">, out: Map<string, Read[]>): void {
  switch (value.kind) {
    case "node":
      add(out, value.node, read);
      return;
    case "get":
      refsOf(value.of, { ...read, what: `a property of it (${read.what})` }, out);
      return;
    case "array":
      for (const item of value.items) refsOf(item.value, read, out);
      return;
    case "object":
      for (const entry of value.entries) refsOf(entry.value, read, out);
      return;
    case "call":
      for (const arg of value.args) refsOf(arg, { ...read, what: "an inline expression" }, out);
      return;
    default:
      return;
  }
}

function add(out: Map<string, Read[]>, id: string, read: Read): void {
  const list = out.get(id);
  if (list) list.push(read);
  else out.set(id, [read]);
}

/** Every read of every node of `body` and of the bodies nested in it. */
function collectReads(body: GraphBody, ctx: AnalysisContext, out: Map<string, Read[]>): void {
  const name = (task: string): string => {
    const t = ctx.tasks[task];
    return t ? `${t.exportName}.${t.method}` : task;
  };
  for (const node of body.nodes) {
    const at = { body, loc: node.loc };
    if (node.kind === "task") {
      const items = node.args.kind === "array" ? node.args.items : [];
      const spread = items.some((item) => item.spread === true);
      items.forEach((item, position) => {
        const what = `an argument of ${name(node.task)}`;
        if (!spread && item.value.kind === "node") add(out, item.value.node, { ...at, what, arg: { call: node, position } });
        else refsOf(item.value, { ...at, what }, out);
      });
      if (node.args.kind !== "array") refsOf(node.args, { ...at, what: `the arguments of ${name(node.task)}` }, out);
    } else nodeReads(node, at, out);
    for (const inner of nestedBodies(node)) collectReads(inner, ctx, out);
  }
  refsOf(body.result, { body, loc: undefined, what: "the workflow's or callback's result" }, out);
}

function nodeReads(node: Exclude<GraphNode, TaskNode>, at: Omit<Read, "what">, out: Map<string, Read[]>): void {
  if (node.kind === "map") refsOf(node.over, { ...at, what: "the array of a .map" }, out);
  else if (node.kind === "reduce") {
    refsOf(node.items, { ...at, what: "the items of treeReduce" }, out);
    for (const a of node.args ?? []) refsOf(a, { ...at, what: "an argument of treeReduce" }, out);
  } else if (node.kind === "inline") for (const a of node.args) refsOf(a, { ...at, what: "an inline expression" }, out);
  else refsOf(node.test, { ...at, what: "the test of a branch" }, out);
}

function nestedBodies(node: GraphNode): GraphBody[] {
  if (node.kind === "map") return [node.body];
  if (node.kind === "branch") return node.arms;
  return [];
}

function* taskNodes(body: GraphBody): Generator<{ node: TaskNode; body: GraphBody }> {
  for (const node of body.nodes) {
    if (node.kind === "task") yield { node, body };
    for (const inner of nestedBodies(node)) yield* taskNodes(inner);
  }
}

/**
 * Checks the workflow's streams: a streaming task's result goes, whole, to exactly one
 * `AsyncIterable` parameter of a task call in the same body (no fan-out of a stream, no stream in
 * an inline expression, a property access, a map, a branch test or the result), and each such
 * parameter gets a streaming task's result. Reports TL1034 for every other use.
 */
export function checkStreams(ir: WorkflowIR, wf: WorkflowState): void {
  const { ctx } = wf;
  const reads = new Map<string, Read[]>();
  collectReads(ir, ctx, reads);
  const streamOf = (task: string) => ctx.tasks[task]?.stream;
  const label = (node: TaskNode): string => {
    const t = ctx.tasks[node.task];
    return t ? `${t.exportName}.${t.method}` : node.task;
  };
  const report = (loc: SourceLocation, message: string): void => {
    const at = wf.file.compilerNode.getPositionOfLineAndCharacter(loc.line - 1, loc.column - 1);
    // The largest node starting there (the whole call, not its first identifier).
    let node = wf.file.getDescendantAtPos(at);
    while (node?.getParent() !== undefined && node.getParent()!.getStart() === at && !Node.isStatement(node.getParent()!)) node = node.getParent();
    ctx.report(node ?? wf.method, "streamUse", message);
  };
  for (const { node, body } of taskNodes(ir)) {
    const stream = streamOf(node.task);
    if (stream?.output) {
      const list = reads.get(node.id) ?? [];
      const shown = `the stream returned by ${label(node)}`;
      if (list.length === 0) report(node.loc, `${shown} is never read`);
      else if (list.length > 1) report(node.loc, `${shown} is read by ${list.length} places; a stream has exactly one reader`);
      else {
        const [r] = list as [Read];
        const param = r.arg !== undefined && (streamOf(r.arg.call.task)?.params ?? []).includes(r.arg.position);
        if (!param) report(r.loc ?? node.loc, `${shown} is used as ${r.what}; it can only be passed whole to an AsyncIterable parameter of a task`);
        else if (r.body !== body) report(r.loc ?? node.loc, `${shown} is read inside a .map callback or a branch it is not produced in`);
      }
    }
    const items = node.args.kind === "array" ? node.args.items : [];
    for (const position of stream?.params ?? []) {
      const item = items[position];
      const fed = item !== undefined && item.spread !== true && item.value.kind === "node" && isProducer(item.value.node, body, streamOf);
      if (!fed || items.some((i) => i.spread === true))
        report(node.loc, `parameter ${position + 1} of ${label(node)} is an AsyncIterable: it must be the result of a streaming task called in the same body`);
    }
  }
}

function isProducer(id: string, body: GraphBody, streamOf: (task: string) => { output?: true } | undefined): boolean {
  const node = body.nodes.find((n) => n.id === id);
  return node?.kind === "task" && streamOf(node.task)?.output === true;
}
