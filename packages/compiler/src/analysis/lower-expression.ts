import { Node, SyntaxKind, type Identifier } from "ts-morph";
import type { ArrayItem, ObjectEntry, Value } from "@taskloom/sdk/internal";
import { lowerBranchExpression } from "./lower-branch.js";
import { lowerCall } from "./lower-call.js";
import { NOT_LITERAL, literalValue, staticKey, unwrap } from "./literal-value.js";
import { callsTask, lowerPure } from "./lower-pure.js";
import { moduleConstant } from "./module-constant.js";
import { resolveClass } from "./resolve-class.js";
import { getPath, literal, makeArray, makeObject, readsNode } from "./value-builders.js";
import type { Scope, WorkflowState } from "./workflow-scope.js";

/**
 * Lowers an expression of a workflow body to a {@link Value}, adding the nodes of the task calls,
 * maps, reduces and inline steps (pure computations) it contains to the scope's body. Returns null
 * after reporting a diagnostic.
 */
export function lowerExpression(expr: Node, scope: Scope, wf: WorkflowState): Value | null {
  const e = unwrap(expr);
  if (Node.isAwaitExpression(e)) return lowerAwait(e.getExpression(), scope, wf);
  const lit = literalValue(e);
  if (lit !== NOT_LITERAL) return literal(lit);
  if (Node.isIdentifier(e)) return lowerIdentifier(e, scope, wf);
  if (Node.isCallExpression(e)) return lowerCall(e, scope, wf);
  if (Node.isArrayLiteralExpression(e)) {
    const items = lowerArrayItems(e.getElements(), scope, wf);
    return items === null ? null : makeArray(items);
  }
  if (Node.isObjectLiteralExpression(e)) return lowerObject(e.getProperties(), scope, wf);
  if (Node.isPropertyAccessExpression(e)) {
    if (e.hasQuestionDotToken() || readsOptionalChain(e)) return lowerPure(e, scope, wf);
    const recv = unwrap(e.getExpression());
    if (Node.isThisExpression(recv)) {
      return fail(e, wf, "thisOutsideCall", `${e.getText()} is used as a value; only task calls may use this`);
    }
    if (Node.isIdentifier(recv) && scope.lookup(recv.getText()) === undefined && resolveClass(recv.getText(), wf.file)) {
      return fail(e, wf, "callbackArgument", `${e.getText()} is a function; a workflow passes values, not functions`);
    }
    // A global's member (`Math.PI`) is computed; a value's property is a projection of it.
    if (Node.isIdentifier(recv) && scope.lookup(recv.getText()) === undefined && moduleConstant(wf.file, recv.getText()) === undefined) {
      return lowerPure(e, scope, wf);
    }
    const of = lowerExpression(recv, scope, wf);
    return of === null ? null : getPath(of, [e.getName()]);
  }
  if (Node.isElementAccessExpression(e)) {
    const index = literalValue(e.getArgumentExpressionOrThrow());
    if (e.hasQuestionDotToken() || readsOptionalChain(e) || (typeof index !== "string" && typeof index !== "number")) return lowerPure(e, scope, wf);
    const of = lowerExpression(e.getExpression(), scope, wf);
    return of === null ? null : getPath(of, [index]);
  }
  if (Node.isArrowFunction(e) || Node.isFunctionExpression(e)) {
    return fail(e, wf, "callbackArgument", "a function is not a value a workflow can pass around");
  }
  if (Node.isThisExpression(e)) return fail(e, wf, "thisOutsideCall", "`this` may only be used to call a task: this.method(...)");
  if (Node.isConditionalExpression(e)) {
    if (callsTask(e.getWhenTrue(), scope, wf) || callsTask(e.getWhenFalse(), scope, wf)) return lowerBranchExpression(e, scope, wf);
    return lowerPure(e, scope, wf);
  }
  if (Node.isBinaryExpression(e)) return lowerBinary(e, scope, wf);
  if (
    Node.isNewExpression(e) ||
    Node.isPrefixUnaryExpression(e) ||
    Node.isPostfixUnaryExpression(e) ||
    Node.isTemplateExpression(e) ||
    Node.isTypeOfExpression(e) ||
    Node.isDeleteExpression(e) ||
    Node.isVoidExpression(e) ||
    Node.isRegularExpressionLiteral(e)
  ) {
    return lowerPure(e, scope, wf);
  }
  return fail(e, wf, "unsupportedExpression", `unsupported expression \`${e.getText()}\` in a workflow`);
}

/** Whether a projection reads through an optional chain (`r?.a.b`): then all of it is computed. */
function readsOptionalChain(e: Node): boolean {
  for (let cur = unwrap(e); Node.isPropertyAccessExpression(cur) || Node.isElementAccessExpression(cur); cur = unwrap(cur.getExpression())) {
    if (cur.hasQuestionDotToken()) return true;
  }
  return false;
}

/**
 * `await x`: a task result (or an array or object of them, `Promise.all`) waits for its tasks.
 * Awaiting anything else (a computed value, the input, a literal) is refused: the direct call and
 * the graph would not agree on it.
 */
function lowerAwait(operand: Node, scope: Scope, wf: WorkflowState): Value | null {
  const before = scope.builder.nodes.length;
  const value = lowerExpression(operand, scope, wf);
  if (value === null) return null;
  const computed = value.kind === "node" && scope.builder.nodes.slice(before).some((n) => n.id === value.node && n.kind === "inline");
  if (computed || !readsNode(value)) {
    return fail(operand, wf, "awaitNonTask", `\`await ${operand.getText()}\` waits for a value that is not a task result`);
  }
  return value;
}

function fail(node: Node, wf: WorkflowState, kind: Parameters<WorkflowState["ctx"]["report"]>[1], message: string): null {
  wf.ctx.report(node, kind, message);
  return null;
}

function lowerBinary(e: Node & { getOperatorToken(): Node; getRight(): Node }, scope: Scope, wf: WorkflowState): Value | null {
  const op = e.getOperatorToken().getKind();
  const text = e.getOperatorToken().getText();
  if (op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment) {
    return fail(e, wf, "reassignment", `\`${text}\` assigns to an existing binding`);
  }
  const lazy = op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.QuestionQuestionToken;
  if (lazy && callsTask(e.getRight(), scope, wf)) return lowerBranchExpression(e, scope, wf);
  return lowerPure(e, scope, wf);
}

function lowerIdentifier(id: Identifier, scope: Scope, wf: WorkflowState): Value | null {
  const name = id.getText();
  const binding = scope.lookup(name);
  if (binding !== undefined) {
    if (binding.kind === "value") return binding.value;
    if (binding.kind === "acc") {
      scope.noteRead(binding, id);
      return makeArray([...binding.items]);
    }
    return null;
  }
  if (name === "undefined") return { kind: "undefined" };
  const constant = moduleConstant(wf.file, name);
  if (constant !== undefined && constant !== NOT_LITERAL) return literal(constant);
  const why =
    resolveClass(name, wf.file) !== undefined
      ? `${name} is a class, not a value`
      : constant === NOT_LITERAL
        ? `${name} is a module-level or imported binding that is not a literal const`
        : `unknown identifier ${name}`;
  return fail(id, wf, "unknownIdentifier", why);
}

/** Lowers array elements (with spreads); null when any failed (all are still checked). */
export function lowerArrayItems(elements: Node[], scope: Scope, wf: WorkflowState): ArrayItem[] | null {
  const items: ArrayItem[] = [];
  let ok = true;
  for (const element of elements) {
    if (Node.isOmittedExpression(element)) {
      ok = fail(element, wf, "unsupportedExpression", "an array hole is not a value") ?? false;
      continue;
    }
    const spread = Node.isSpreadElement(element);
    const value = lowerExpression(spread ? element.getExpression() : element, scope, wf);
    if (value === null) ok = false;
    else if (spread) items.push(...spreadItems(value));
    else items.push({ value });
  }
  return ok ? items : null;
}

/** The items of `...value`: inlined when the array is statically known. */
export function spreadItems(value: Value): ArrayItem[] {
  if (value.kind === "array") return value.items;
  if (value.kind === "literal" && Array.isArray(value.value)) return value.value.map((v) => ({ value: literal(v) }));
  return [{ spread: true, value }];
}

/** The entries of `...value` in an object literal: inlined when the object is statically known. */
function spreadEntries(value: Value): ObjectEntry[] {
  if (value.kind === "object") return value.entries;
  const v = value.kind === "literal" ? value.value : undefined;
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    return Object.entries(v).map(([key, item]) => ({ key, value: literal(item) }));
  }
  return [{ spread: true, value }];
}

function lowerObject(properties: Node[], scope: Scope, wf: WorkflowState): Value | null {
  const entries: ObjectEntry[] = [];
  let ok = true;
  for (const prop of properties) {
    let value: Value | null = null;
    if (Node.isSpreadAssignment(prop)) {
      value = lowerExpression(prop.getExpression(), scope, wf);
      if (value !== null) entries.push(...spreadEntries(value));
    } else if (Node.isShorthandPropertyAssignment(prop)) {
      value = lowerIdentifier(prop.getNameNode(), scope, wf);
      if (value !== null) entries.push({ key: prop.getName(), value });
    } else if (Node.isPropertyAssignment(prop)) {
      const key = staticKey(prop.getNameNode());
      if (key === undefined) {
        fail(prop.getNameNode(), wf, "unsupportedExpression", "a computed key must be a string or number literal");
      } else {
        value = lowerExpression(prop.getInitializerOrThrow(), scope, wf);
        if (value !== null) entries.push({ key, value });
      }
    } else {
      fail(prop, wf, "callbackArgument", "methods and accessors in an object literal are functions, not values");
    }
    if (value === null) ok = false;
  }
  return ok ? makeObject(entries) : null;
}
