import { Node, type CallExpression, type MethodDeclaration } from "ts-morph";
import { streamSignature } from "./stream-signature.js";
import type { ArrayItem, TaskStream, Value } from "@taskloom/sdk/internal";
import { readDecoratorOptions } from "./decorator-options.js";
import { decoratorKindOf, findStaticMethod } from "./find-decorated.js";
import { unwrap } from "./literal-value.js";
import { lowerExpression, spreadItems } from "./lower-expression.js";
import { lowerMap } from "./lower-map.js";
import { callsTask, lowerPure, lowerPureCombine } from "./lower-pure.js";
import { isTaskCall } from "./task-calls.js";
import { resolveClass, type ResolvedClass } from "./resolve-class.js";
import { getSdkNames, sdkExportOf } from "./sdk-imports.js";
import { mayBeArray } from "./value-builders.js";
import type { Scope, WorkflowState } from "./workflow-scope.js";

/**
 * What a `X.method` / `this.method` expression names: a class (resolved or not) and a method, or
 * undefined when the receiver is not a class.
 */
type MethodRef = { cls: ResolvedClass; method: string } | { unresolved: string } | undefined;

/** What `X.method` / `this.method` names when `X` is a class (a task call, if it is one): no diagnostics. */
export function methodRef(expr: Node, scope: Scope, wf: WorkflowState): MethodRef {
  const e = unwrap(expr);
  if (!Node.isPropertyAccessExpression(e)) return undefined;
  const recv = unwrap(e.getExpression());
  if (Node.isThisExpression(recv)) {
    const name = wf.classDecl.getName() ?? "default";
    const cls = resolveClass(name, wf.file);
    return cls !== undefined && "found" in cls ? { cls: cls.found, method: e.getName() } : undefined;
  }
  if (!Node.isIdentifier(recv) || scope.lookup(recv.getText()) !== undefined) return undefined;
  const lookup = resolveClass(recv.getText(), wf.file);
  if (lookup === undefined) return undefined;
  return "found" in lookup ? { cls: lookup.found, method: e.getName() } : lookup;
}

/**
 * Resolves `Class.method` to a task id, registering the task; reports workflows, plain methods
 * and classes that are not exported. Returns null after a diagnostic.
 */
export function resolveTask(node: Node, ref: MethodRef & object, wf: WorkflowState): string | null {
  const { ctx } = wf;
  if ("unresolved" in ref) {
    ctx.report(node, "unresolvedClass", `cannot follow ${node.getText()} to its class: ${ref.unresolved}`);
    return null;
  }
  const { cls, method } = ref;
  const decl = findStaticMethod(cls.classDecl, method);
  const kind = decl === undefined ? undefined : decoratorKindOf(decl);
  const shown = `${cls.name}.${method}`;
  if (decl === undefined || kind === undefined) {
    ctx.report(node, "nonTaskCall", `${shown} is not a @task`);
    return null;
  }
  if (kind === "workflow") {
    ctx.report(node, "workflowCall", `${shown} is a @workflow; a workflow cannot call another workflow`);
    return null;
  }
  if (cls.exportName === undefined) {
    ctx.report(cls.classDecl.getNameNode() ?? cls.classDecl, "classNotExported", `class ${cls.name} declares tasks a workflow calls but is not exported`);
    return null;
  }
  const id = `${ctx.relativePath(cls.file)}#${shown}`;
  if (ctx.tasks[id] !== undefined) return id;
  const read = readDecoratorOptions(decl, "task", shown, ctx);
  if (read === null) return null;
  if (wf.dead === 0)
    ctx.addTask(
      {
        id,
        exportName: cls.exportName,
        method,
        ...(read.options !== undefined ? { options: read.options } : {}),
        ...streamOf(decl),
        loc: ctx.locationOf(decl.getNameNode()),
        sourceFile: cls.file.getFilePath(),
      },
      cls.file,
    );
  return id;
}

function streamOf(decl: MethodDeclaration): { stream?: TaskStream } {
  const stream = streamSignature(decl);
  return stream ? { stream } : {};
}

function lowerArgs(call: CallExpression, scope: Scope, wf: WorkflowState): Value | null {
  const items: ArrayItem[] = [];
  let ok = true;
  for (const arg of call.getArguments()) {
    const a = unwrap(arg);
    if (Node.isArrowFunction(a) || Node.isFunctionExpression(a) || methodRef(a, scope, wf) !== undefined) {
      wf.ctx.report(a, "callbackArgument", `${call.getExpression().getText()} is called with a function; a task receives values only`);
      ok = false;
      continue;
    }
    const spread = Node.isSpreadElement(a);
    const value = lowerExpression(spread ? a.getExpression() : a, scope, wf);
    if (value === null) ok = false;
    else if (spread) items.push(...spreadItems(value));
    else items.push({ value });
  }
  return ok ? { kind: "array", items } : null;
}

function lowerTreeReduce(call: CallExpression, scope: Scope, wf: WorkflowState): Value | null {
  const [itemsExpr, combineExpr, ...extra] = call.getArguments();
  if (itemsExpr === undefined || combineExpr === undefined || extra.length > 0) {
    wf.ctx.report(call, "reduceCombine", "treeReduce takes two arguments: the items and a task");
    return null;
  }
  const items = lowerExpression(itemsExpr, scope, wf);
  if (items !== null && !mayBeArray(items)) {
    wf.ctx.report(itemsExpr, "mapNotArray", `treeReduce needs an array, but ${itemsExpr.getText()} is not one`);
  }
  const combine = unwrap(combineExpr);
  if (Node.isArrowFunction(combine) || Node.isFunctionExpression(combine)) {
    if (callsTask(combine, scope, wf)) {
      wf.ctx.report(combineExpr, "reduceCombine", "the combine callback of treeReduce calls a task; pass the task itself");
      return null;
    }
    // A pure combine (`(a, b) => a + b`): every pair is an inline step.
    const inline = lowerPureCombine(combine, scope, wf);
    if (items === null || inline === null || !mayBeArray(items)) return null;
    const id = wf.nextId("r");
    scope.builder.nodes.push({ kind: "reduce", id, items, fn: inline.fn, args: inline.args, loc: wf.ctx.locationOf(call) });
    return { kind: "node", node: id };
  }
  const ref = methodRef(combineExpr, scope, wf);
  if (ref === undefined) {
    wf.ctx.report(combineExpr, "reduceCombine", `the combine function of treeReduce must be a @task or a pure arrow function, got ${combineExpr.getText()}`);
    return null;
  }
  const task = resolveTask(combineExpr, ref, wf);
  if (items === null || task === null || !mayBeArray(items)) return null;
  const id = wf.nextId("r");
  scope.builder.nodes.push({ kind: "reduce", id, items, task, loc: wf.ctx.locationOf(call) });
  return { kind: "node", node: id };
}

/**
 * Lowers a call: a task call, `Promise.all`, `treeReduce`, `.map`/`.flatMap` whose callback calls
 * tasks (a map node); any other call is a pure computation (an inline step) or reported.
 */
export function lowerCall(call: CallExpression, scope: Scope, wf: WorkflowState): Value | null {
  const callee = unwrap(call.getExpression());
  const sdk = getSdkNames(wf.file);
  if (sdkExportOf(callee, sdk) === "treeReduce" && !(Node.isIdentifier(callee) && scope.lookup(callee.getText()))) {
    return lowerTreeReduce(call, scope, wf);
  }
  const ref = methodRef(callee, scope, wf);
  if (ref !== undefined) {
    const args = lowerArgs(call, scope, wf);
    const task = resolveTask(callee, ref, wf);
    if (task === null || args === null) return null;
    const id = wf.nextId("n");
    scope.builder.nodes.push({ kind: "task", id, task, args, loc: wf.ctx.locationOf(call) });
    return { kind: "node", node: id };
  }
  if (Node.isPropertyAccessExpression(callee)) {
    const name = callee.getName();
    const recv = unwrap(callee.getExpression());
    if (name === "all" && Node.isIdentifier(recv) && recv.getText() === "Promise" && !scope.lookup("Promise")) {
      const args = call.getArguments();
      if (args.length !== 1 || args[0] === undefined) {
        wf.ctx.report(call, "unsupportedExpression", "Promise.all takes one array");
        return null;
      }
      return lowerExpression(args[0], scope, wf);
    }
    if ((name === "map" || name === "flatMap") && isTaskCall(call, scope, wf)) return lowerMap(call, recv, name === "flatMap", scope, wf);
    if (name === "push") {
      wf.ctx.report(call, "accumulator", "push is allowed only as a statement, into a const array of the workflow");
      return null;
    }
  }
  return lowerPure(call, scope, wf);
}
