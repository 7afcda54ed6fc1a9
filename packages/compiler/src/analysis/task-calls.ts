import { Node, type CallExpression } from "ts-morph";
import { unwrap } from "./literal-value.js";
import { methodRef } from "./lower-call.js";
import { getSdkNames, sdkExportOf } from "./sdk-imports.js";
import type { Scope, WorkflowState } from "./workflow-scope.js";

/**
 * Whether a call adds graph nodes rather than computing a value in place: a call of a class's
 * static method (a task call, or a reported misuse), `treeReduce`, `Promise.all`, or a
 * `.map`/`.flatMap` whose callback calls a task. `locals` are names the expression binds itself
 * (callback parameters), which shadow classes.
 */
export function isTaskCall(call: CallExpression, scope: Scope, wf: WorkflowState, locals: ReadonlySet<string> = new Set()): boolean {
  const callee = unwrap(call.getExpression());
  if (Node.isIdentifier(callee)) {
    return !locals.has(callee.getText()) && scope.lookup(callee.getText()) === undefined && sdkExportOf(callee, getSdkNames(wf.file)) === "treeReduce";
  }
  if (!Node.isPropertyAccessExpression(callee)) return false;
  const recv = callee.getExpression();
  if (Node.isIdentifier(recv) && locals.has(recv.getText())) return false;
  if (sdkExportOf(callee, getSdkNames(wf.file)) === "treeReduce") return true;
  if (Node.isIdentifier(recv) && recv.getText() === "Promise" && callee.getName() === "all" && scope.lookup("Promise") === undefined) return true;
  if (methodRef(callee, scope, wf) !== undefined) return true;
  const name = callee.getName();
  if (name !== "map" && name !== "flatMap") return false;
  // A task passed as the callback (`xs.map(M.double)`) is a map node's misuse, reported there.
  return call
    .getArguments()
    .some(
      (a) => methodRef(a, scope, wf) !== undefined || a.getFirstDescendant((d) => Node.isCallExpression(d) && isTaskCall(d, scope, wf, locals)) !== undefined,
    );
}
