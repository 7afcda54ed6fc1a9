import { Node, VariableDeclarationKind, type ForOfStatement } from "ts-morph";
import type { ArrayItem, Value } from "@taskloom/sdk/internal";
import { unwrap } from "./literal-value.js";
import { bindPattern } from "./lower-binding.js";
import { lowerExpression } from "./lower-expression.js";
import { lowerBody } from "./lower-statement.js";
import { mayBeArray } from "./value-builders.js";
import type { Accumulator, Builder, LoopState, Scope, WorkflowState } from "./workflow-scope.js";

/**
 * Adds a pushed item to an accumulator. In the body that declared it, the item is appended
 * directly; inside a `for..of` loop it becomes an item of the loop's per-element result (the loop
 * then pushes its map's flattened result). A null item only marks the loop's target.
 */
export function pushItem(acc: Accumulator, item: ArrayItem | null, scope: Scope, wf: WorkflowState, at: Node): void {
  const builder = scope.builder;
  if (acc.builder === builder) {
    if (item !== null) acc.items.push(item);
    return;
  }
  const loop = builder.loop;
  if (loop === undefined) {
    wf.ctx.report(at, "accumulator", `a callback pushes into ${acc.name}, declared outside it; return the value instead`);
    return;
  }
  if (loop.target !== undefined && loop.target !== acc) {
    wf.ctx.report(at, "accumulator", `this loop pushes into both ${loop.target.name} and ${acc.name}; use one array per loop`);
    return;
  }
  loop.target = acc;
  if (item !== null) loop.items.push(item);
}

/**
 * Lowers `for (const x of xs) { ...; acc.push(v) }` to a flat `map` node over `xs` whose body
 * returns the pushed values, and pushes `...map` into `acc`.
 * `for (const [i, x] of xs.entries())` binds the index too.
 */
export function lowerForOf(stmt: ForOfStatement, scope: Scope, wf: WorkflowState): void {
  const { ctx } = wf;
  if (stmt.isAwaited()) {
    ctx.report(stmt, "loop", "for await..of waits on a run-time stream");
    return;
  }
  const init = stmt.getInitializer();
  const decl = Node.isVariableDeclarationList(init) ? init.getDeclarations()[0] : undefined;
  if (!Node.isVariableDeclarationList(init) || decl === undefined) {
    ctx.report(init, "loop", "the loop variable must be declared with const");
    return;
  }
  if (init.getDeclarationKind() !== VariableDeclarationKind.Const) {
    ctx.report(init, "letOrVar", `\`${init.getDeclarationKind()}\` declares a loop variable that can change`);
  }
  const nameNode = decl.getNameNode();
  let overExpr: Node = stmt.getExpression();
  let entries = false;
  const bare = unwrap(overExpr);
  if (Node.isCallExpression(bare) && Node.isArrayBindingPattern(nameNode) && bare.getArguments().length === 0) {
    const callee = unwrap(bare.getExpression());
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === "entries") {
      entries = true;
      overExpr = callee.getExpression();
    }
  }
  const over = lowerExpression(overExpr, scope, wf);
  if (over !== null && !mayBeArray(over)) {
    ctx.report(overExpr, "mapNotArray", `for..of loops over ${overExpr.getText()}, which is not an array`);
  }
  const id = wf.nextId("m");
  const loop: LoopState = { mapId: id, items: [], reads: [] };
  const builder: Builder = { nodes: [], loop };
  const inner = scope.child(builder);
  const element: Value = { kind: "element", map: id };
  if (entries && Node.isArrayBindingPattern(nameNode)) {
    const [indexName, elementName] = nameNode.getElements();
    if (Node.isBindingElement(indexName)) bindPattern(indexName.getNameNode(), { kind: "index", map: id }, inner, wf);
    if (Node.isBindingElement(elementName)) bindPattern(elementName.getNameNode(), element, inner, wf);
  } else {
    bindPattern(nameNode, element, inner, wf);
  }
  const body = stmt.getStatement();
  lowerBody(Node.isBlock(body) ? body.getStatements() : [body], inner, wf, "loop");
  if (loop.target === undefined) {
    ctx.report(stmt, "accumulator", "this loop pushes into no array, so it has no result");
    return;
  }
  for (const read of loop.reads) {
    if (read.acc === loop.target) {
      ctx.report(read.at, "accumulator", `the loop reads ${read.acc.name} while it pushes into it`);
    }
  }
  if (over === null || !mayBeArray(over)) return;
  scope.builder.nodes.push({
    kind: "map",
    id,
    over,
    flat: true,
    body: { nodes: builder.nodes, result: { kind: "array", items: loop.items } },
    loc: ctx.locationOf(stmt),
  });
  pushItem(loop.target, { spread: true, value: { kind: "node", node: id } }, scope, wf, stmt);
}
