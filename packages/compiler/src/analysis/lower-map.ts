import { Node, type CallExpression } from "ts-morph";
import type { Value } from "@taskloom/sdk/internal";
import { unwrap } from "./literal-value.js";
import { bindPattern } from "./lower-binding.js";
import { lowerExpression } from "./lower-expression.js";
import { lowerBody } from "./lower-statement.js";
import { mayBeArray } from "./value-builders.js";
import type { Builder, Scope, WorkflowState } from "./workflow-scope.js";

/**
 * Lowers `recv.map(cb)` / `recv.flatMap(cb)` to a `map` node whose body is the callback's graph;
 * the callback's element and index parameters become `element` / `index` values of the map.
 */
export function lowerMap(call: CallExpression, recv: Node, flat: boolean, scope: Scope, wf: WorkflowState): Value | null {
  const { ctx } = wf;
  const method = flat ? "flatMap" : "map";
  const over = lowerExpression(recv, scope, wf);
  if (over !== null && !mayBeArray(over)) {
    ctx.report(recv, "mapNotArray", `.${method} is called on ${recv.getText()}, which is not an array`);
    return null;
  }
  const args = call.getArguments();
  const cb = args[0] === undefined ? undefined : unwrap(args[0]);
  if (args.length !== 1 || cb === undefined || !(Node.isArrowFunction(cb) || Node.isFunctionExpression(cb))) {
    ctx.report(args[0] ?? call, "mapCallback", `.${method} needs exactly one inline callback`);
    return null;
  }
  const params = cb.getParameters();
  if (params.length > 2) {
    ctx.report(params[2] ?? cb, "mapCallback", `the callback of .${method} takes at most two parameters (element, index)`);
    return null;
  }
  for (const p of params) {
    if (p.isRestParameter() || p.hasInitializer()) {
      ctx.report(p, "mapCallback", `the callback parameter ${p.getText()} has a default value or is a rest parameter`);
      return null;
    }
  }
  const id = wf.nextId("m");
  const builder: Builder = { nodes: [] };
  const inner = scope.child(builder);
  const [elementParam, indexParam] = params;
  if (elementParam !== undefined) bindPattern(elementParam.getNameNode(), { kind: "element", map: id }, inner, wf);
  if (indexParam !== undefined) bindPattern(indexParam.getNameNode(), { kind: "index", map: id }, inner, wf);
  const body = cb.getBody();
  const result = body !== undefined && Node.isBlock(body) ? lowerBody(body.getStatements(), inner, wf, "callback") : lowerExpression(body ?? cb, inner, wf);
  if (over === null || result === null) return null;
  scope.builder.nodes.push({ kind: "map", id, over, flat, body: { nodes: builder.nodes, result }, loc: ctx.locationOf(call) });
  return { kind: "node", node: id };
}
