import { Node, type Statement } from "ts-morph";
import type { Scope } from "./workflow-scope.js";

/** A statement to lower and the scope it is lowered in; `continued` when it came after a branch into one of its arms. */
export interface SeqItem {
  node: Statement;
  scope: Scope;
  continued?: boolean;
}

/** Statements in order: a body, or an arm followed by the rest of the body after its branch. */
export type Seq = SeqItem[];

/** Whether any of the statements may `return` (functions inside them aside). */
export function mayReturn(statements: readonly Node[]): boolean {
  const visit = (node: Node): boolean => {
    if (Node.isReturnStatement(node)) return true;
    if (Node.isFunctionLikeDeclaration(node) || Node.isArrowFunction(node) || Node.isFunctionExpression(node) || Node.isClassDeclaration(node)) return false;
    return node.forEachChild((child) => (visit(child) ? true : undefined)) === true;
  };
  return statements.some(visit);
}

/** Whether running the statements always ends in a `return` (then nothing after them runs). */
export function alwaysReturns(statements: readonly Node[]): boolean {
  const last = statements[statements.length - 1];
  if (last === undefined) return false;
  if (Node.isReturnStatement(last)) return true;
  if (Node.isBlock(last)) return alwaysReturns(last.getStatements());
  if (Node.isIfStatement(last)) {
    const otherwise = last.getElseStatement();
    return otherwise !== undefined && alwaysReturns([last.getThenStatement()]) && alwaysReturns([otherwise]);
  }
  if (Node.isSwitchStatement(last)) {
    const clauses = last.getClauses();
    if (!clauses.some((c) => Node.isDefaultClause(c))) return false;
    // Every clause either returns, or falls through to the next without a break; the last returns.
    return clauses.every((c, k) => {
      const body = c.getStatements().flatMap((s) => (Node.isBlock(s) ? s.getStatements() : [s]));
      if (body.some((s) => Node.isBreakStatement(s))) return false;
      return alwaysReturns(body) || (k < clauses.length - 1 && !mayBreak(body));
    });
  }
  return false;
}

function mayBreak(statements: readonly Node[]): boolean {
  return statements.some((s) => Node.isBreakStatement(s) || s.getFirstDescendant((d) => Node.isBreakStatement(d)) !== undefined);
}
