import { Node, VariableDeclarationKind, type CallExpression, type Statement, type VariableStatement } from "ts-morph";
import type { Value } from "@taskloom/sdk/internal";
import { unwrap } from "./literal-value.js";
import { bindPattern } from "./lower-binding.js";
import { lowerArrayItems, lowerExpression } from "./lower-expression.js";
import { lowerForOf, pushItem } from "./lower-for-of.js";
import type { Seq, SeqItem } from "./control-flow.js";
import { lowerIf, lowerSwitch } from "./lower-branch.js";
import { Scope, type WorkflowState } from "./workflow-scope.js";

/** Which kind of body is lowered: it decides whether `return` is allowed. */
export type BodyKind = "workflow" | "callback" | "loop";

const CONTROL_FLOW: Record<string, string> = {
  TryStatement: "a try statement",
  ThrowStatement: "a throw statement",
  BreakStatement: "a break statement",
  ContinueStatement: "a continue statement",
  LabeledStatement: "a labeled statement",
};
const LOOPS: Record<string, string> = {
  WhileStatement: "a while loop",
  DoStatement: "a do..while loop",
  ForStatement: "a for(;;) loop",
  ForInStatement: "a for..in loop",
};

/**
 * Lowers the statements of a workflow, callback or loop body. Returns the value of its `return`
 * (`undefined` without one), or null when the returned expression failed.
 */
export function lowerBody(statements: Statement[], scope: Scope, wf: WorkflowState, kind: BodyKind): Value | null {
  return lowerSeq(
    statements.map((node) => ({ node, scope })),
    wf,
    kind,
  );
}

/** Lowers a statement sequence: a body, or a branch's arm followed by the rest of the body it may fall through to. */
function lowerSeq(seq: Seq, wf: WorkflowState, kind: BodyKind): Value | null {
  let result: Value | null = { kind: "undefined" };
  for (let i = 0; i < seq.length; i++) {
    const { node: statement, scope } = seq[i] as SeqItem;
    const name = statement.getKindName();
    if (Node.isReturnStatement(statement)) {
      if (kind === "loop") {
        wf.ctx.report(statement, "unsupportedStatement", "return inside a for..of loop ends the loop at run time");
        continue;
      }
      const expr = statement.getExpression();
      result = expr === undefined ? { kind: "undefined" } : lowerExpression(expr, scope, wf);
      // What follows a return never runs (the rest of a body after a branch only in the arms that fall through).
      const after = seq.slice(i + 1).find((s) => !s.continued);
      if (after !== undefined) wf.ctx.report(after.node, "unreachable", "this statement comes after return and never runs");
      return result;
    }
    if (Node.isIfStatement(statement) || Node.isSwitchStatement(statement)) {
      const rest = seq.slice(i + 1);
      const outcome = Node.isIfStatement(statement)
        ? lowerIf(statement, scope, rest, wf, kind, lowerSeq)
        : lowerSwitch(statement, scope, rest, wf, kind, lowerSeq);
      if (outcome.consumed) return outcome.result;
      continue;
    }
    if (Node.isBlock(statement)) {
      const inner = new Scope(scope.builder, scope);
      seq.splice(i + 1, 0, ...statement.getStatements().map((node) => ({ node, scope: inner, ...(seq[i]?.continued ? { continued: true } : {}) })));
      continue;
    }
    if (Node.isVariableStatement(statement)) {
      lowerVariables(statement, scope, wf);
    } else if (Node.isExpressionStatement(statement)) {
      lowerExpressionStatement(statement.getExpression(), scope, wf);
    } else if (Node.isForOfStatement(statement)) {
      lowerForOf(statement, scope, wf);
    } else if (CONTROL_FLOW[name] !== undefined) {
      wf.ctx.report(statement, "controlFlow", `${CONTROL_FLOW[name]} is not part of a workflow body`);
    } else if (LOOPS[name] !== undefined) {
      wf.ctx.report(statement, "loop", `${LOOPS[name]} repeats a run-time number of times`);
    } else if (!Node.isEmptyStatement(statement) && !Node.isTypeAliasDeclaration(statement) && !Node.isInterfaceDeclaration(statement)) {
      wf.ctx.report(statement, "unsupportedStatement", `${name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()} is not allowed in a workflow`);
    }
  }
  return result;
}

function lowerVariables(statement: VariableStatement, scope: Scope, wf: WorkflowState): void {
  const kind = statement.getDeclarationKind();
  const isConst = kind === VariableDeclarationKind.Const;
  if (!isConst) wf.ctx.report(statement, "letOrVar", `\`${kind}\` declares a binding that can change`);
  for (const decl of statement.getDeclarations()) {
    const nameNode = decl.getNameNode();
    const init = decl.getInitializer();
    if (!isConst || init === undefined) {
      bindPattern(nameNode, null, scope, wf);
      continue;
    }
    const bare = unwrap(init);
    if (Node.isIdentifier(nameNode) && Node.isArrayLiteralExpression(bare)) {
      const items = lowerArrayItems(bare.getElements(), scope, wf);
      scope.bind(nameNode.getText(), items === null ? { kind: "error" } : { kind: "acc", name: nameNode.getText(), items, builder: scope.builder });
      continue;
    }
    bindPattern(nameNode, lowerExpression(init, scope, wf), scope, wf);
  }
}

function lowerExpressionStatement(expr: Node, scope: Scope, wf: WorkflowState): void {
  let e = unwrap(expr);
  if (Node.isAwaitExpression(e)) e = unwrap(e.getExpression());
  if (Node.isCallExpression(e)) {
    const callee = unwrap(e.getExpression());
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === "push") {
      lowerPush(e, unwrap(callee.getExpression()), scope, wf);
      return;
    }
    lowerExpression(e, scope, wf);
    return;
  }
  if (lowerExpression(e, scope, wf) !== null) {
    wf.ctx.report(e, "unsupportedStatement", `\`${e.getText()}\` has no effect: a statement must call a task`);
  }
}

function lowerPush(call: CallExpression, recv: Node, scope: Scope, wf: WorkflowState): void {
  const binding = Node.isIdentifier(recv) ? scope.lookup(recv.getText()) : undefined;
  if (binding?.kind === "error") return;
  if (binding?.kind !== "acc") {
    wf.ctx.report(call, "accumulator", `${recv.getText()} is not a const array declared in the workflow`);
    return;
  }
  const items = lowerArrayItems(call.getArguments(), scope, wf);
  if (items === null) {
    pushItem(binding, null, scope, wf, call);
    return;
  }
  for (const item of items) pushItem(binding, item, scope, wf, call);
}
