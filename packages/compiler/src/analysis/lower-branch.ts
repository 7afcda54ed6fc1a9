import { Node, SyntaxKind, type Expression, type IfStatement, type Statement, type SwitchStatement } from "ts-morph";
import type { BranchSelect, GraphBody, Value } from "@taskloom/sdk/internal";
import { lowerExpression } from "./lower-expression.js";
import { pushItem } from "./lower-for-of.js";
import { callsTask, lowerGenerated } from "./lower-pure.js";
import { alwaysReturns, mayReturn, type Seq, type SeqItem } from "./control-flow.js";
import { Scope, type Builder, type LoopState, type WorkflowState } from "./workflow-scope.js";
import type { BodyKind } from "./lower-statement.js";

/** Lowers a statement sequence (a body and the continuation after a branch): see lower-statement. */
export type LowerSeq = (seq: Seq, wf: WorkflowState, kind: BodyKind) => Value | null;

/** What a branch statement did to the rest of its body. */
export interface BranchOutcome {
  /** True when the branch took the rest of the body into its arms: `result` is the body's value. */
  consumed: boolean;
  result: Value | null;
}

/** One arm of a branch statement: its statements, in the scope of the branch. */
interface ArmSource {
  statements: Node[];
}

const isConstant = (v: Value): boolean => v.kind === "literal" || v.kind === "undefined";

/** Lowers code that never runs (an arm a constant test rules out): checked for diagnostics, then dropped. */
function dead<T>(wf: WorkflowState, f: () => T): T {
  wf.dead++;
  try {
    return f();
  } finally {
    wf.dead--;
  }
}

/** A builder for an arm: pushes into arrays declared outside it are collected like a loop's. */
function armBuilder(id: string): Builder {
  return { nodes: [], loop: { mapId: id, items: [], reads: [] } };
}

/** The arm's statements followed, when it may fall through, by the rest of the body, re-scoped into `builder`. */
function armSeq(arm: ArmSource, scope: Scope, rest: Seq, builder: Builder, withRest: boolean): Seq {
  const armScope = new Scope(builder, scope);
  const seq: SeqItem[] = arm.statements.map((node) => ({ node: node as Statement, scope: armScope }));
  if (!withRest) return seq;
  // The rest keeps its lexical scopes (the bindings before the branch) but emits into this arm.
  const moved = new Map<Scope, Scope>();
  for (const item of rest) {
    let s = moved.get(item.scope);
    if (!s) moved.set(item.scope, (s = new Scope(builder, item.scope)));
    seq.push({ node: item.node, scope: s, continued: true });
  }
  return seq;
}

/**
 * Lowers an `if`/`switch` whose test is `test`: a branch node whose arms are sub-graphs (only the
 * taken one runs). When an arm may `return`, the rest of the body moves into every arm that may
 * fall through, and the branch's value is the body's; otherwise the rest follows the branch. Pushes
 * into an array declared outside the arms become the arms' results, pushed after the branch. A
 * constant test keeps only its arm (the others are checked, not emitted).
 */
function lowerArms(
  at: Node,
  test: Value,
  select: BranchSelect,
  arms: ArmSource[],
  constantArm: number | undefined,
  scope: Scope,
  rest: Seq,
  wf: WorkflowState,
  kind: BodyKind,
  lowerSeq: LowerSeq,
): BranchOutcome {
  const returns = kind !== "loop" && arms.some((a) => mayReturn(a.statements));
  const fallsThrough = arms.map((a) => !alwaysReturns(a.statements));
  if (constantArm !== undefined) {
    arms.forEach((arm, k) => {
      if (k !== constantArm) dead(wf, () => lowerSeq(armSeq(arm, scope, rest, armBuilder(""), returns && fallsThrough[k] === true), wf, kind));
    });
    // The arm taken runs in place: its bindings are scoped to it, its nodes are the body's.
    const seq = armSeq(arms[constantArm] as ArmSource, scope, rest, scope.builder, returns && fallsThrough[constantArm] === true);
    const result = lowerSeq(seq, wf, kind);
    return { consumed: returns, result };
  }
  const id = wf.nextId("b");
  const bodies: GraphBody[] = [];
  const loops: LoopState[] = [];
  let ok = true;
  arms.forEach((arm, k) => {
    const loop: LoopState = { mapId: id, items: [], reads: [] };
    const builder: Builder = { nodes: [], loop };
    const result = lowerSeq(armSeq(arm, scope, rest, builder, returns && fallsThrough[k] === true), wf, kind);
    if (result === null) ok = false;
    bodies.push({ nodes: builder.nodes, result: result ?? { kind: "undefined" } });
    loops.push(loop);
  });
  const targets = [...new Set(loops.map((l) => l.target).filter((t) => t !== undefined))];
  if (targets.length > 1) {
    wf.ctx.report(at, "accumulator", `the arms of this branch push into ${targets.map((t) => t.name).join(" and ")}; use one array`);
    return { consumed: returns, result: null };
  }
  const target = targets[0];
  if (target !== undefined) {
    if (returns) {
      wf.ctx.report(at, "accumulator", `this branch both returns and pushes into ${target.name}; return the value or push, not both`);
      return { consumed: true, result: null };
    }
    for (const loop of loops) {
      for (const read of loop.reads) {
        if (read.acc === target) wf.ctx.report(read.at, "accumulator", `the branch reads ${target.name} while it pushes into it`);
      }
    }
    loops.forEach((loop, k) => {
      (bodies[k] as GraphBody).result = { kind: "array", items: loop.items };
    });
  }
  if (!ok) return { consumed: returns, result: null };
  scope.builder.nodes.push({ kind: "branch", id, test, select, arms: bodies, loc: wf.ctx.locationOf(at) });
  const value: Value = { kind: "node", node: id };
  if (target !== undefined) pushItem(target, { spread: true, value }, scope, wf, at);
  return { consumed: returns, result: returns ? value : { kind: "undefined" } };
}

/** Lowers an `if` statement (`else if` is an `if` in the else arm). */
export function lowerIf(stmt: IfStatement, scope: Scope, rest: Seq, wf: WorkflowState, kind: BodyKind, lowerSeq: LowerSeq): BranchOutcome {
  const test = lowerExpression(stmt.getExpression(), scope, wf);
  const arms = [stmt.getThenStatement(), stmt.getElseStatement()].map((s) => ({
    statements: s === undefined ? [] : Node.isBlock(s) ? s.getStatements() : [s],
  }));
  if (test === null) {
    for (const arm of arms) dead(wf, () => lowerSeq(armSeq(arm, scope, [], armBuilder(""), false), wf, kind));
    return { consumed: false, result: null };
  }
  const constantArm = isConstant(test) ? (test.kind === "literal" && test.value ? 0 : 1) : undefined;
  return lowerArms(stmt, test, "truthy", arms, constantArm, scope, rest, wf, kind, lowerSeq);
}

/**
 * Lowers a `switch`: a generated selector (`$0 === case0 ? 0 : $0 === case1 ? 1 : default`)
 * picks the clause; each arm runs its clause and those it falls through to, up to a final `break`.
 * Case values must be computed before the switch (a case that calls a task is an error).
 */
export function lowerSwitch(stmt: SwitchStatement, scope: Scope, rest: Seq, wf: WorkflowState, kind: BodyKind, lowerSeq: LowerSeq): BranchOutcome {
  const disc = lowerExpression(stmt.getExpression(), scope, wf);
  const clauses = stmt.getClauses();
  const values: Value[] = [];
  let ok = disc !== null;
  let defaultAt: number | undefined;
  clauses.forEach((clause, k) => {
    if (Node.isDefaultClause(clause)) {
      defaultAt = k;
      return;
    }
    const expr = clause.getExpression();
    if (callsTask(expr, scope, wf)) {
      wf.ctx.report(expr, "branchCondition", `the case value \`${expr.getText()}\` calls a task, which would run only while the switch decides`);
      ok = false;
      return;
    }
    const v = lowerExpression(expr, scope, wf);
    if (v === null) ok = false;
    else values.push(v);
  });
  const arms: ArmSource[] = clauses.map((_, k) => ({ statements: clauseRun(clauses.slice(k), wf) }));
  // Without a default clause, no match runs nothing: an empty last arm.
  if (defaultAt === undefined) arms.push({ statements: [] });
  const noMatch = defaultAt ?? clauses.length;
  if (!ok || disc === null) {
    for (const arm of arms) dead(wf, () => lowerSeq(armSeq(arm, scope, [], armBuilder(""), false), wf, kind));
    return { consumed: false, result: null };
  }
  const caseArms = clauses.map((c, k) => (Node.isDefaultClause(c) ? -1 : k)).filter((k) => k >= 0);
  const params = ["$0", ...values.map((_, i) => `$${i + 1}`)];
  const chain = caseArms.map((arm, i) => `$0 === $${i + 1} ? ${arm} : `).join("");
  const selector = lowerGenerated(`(${params.join(", ")}) => (${chain}${noMatch})`, [disc, ...values], stmt.getExpression(), scope, wf);
  if (selector === null) return { consumed: false, result: null };
  const constantArm = selector.kind === "literal" && typeof selector.value === "number" ? selector.value : undefined;
  return lowerArms(stmt, selector, "index", arms, constantArm, scope, rest, wf, kind, lowerSeq);
}

/** The statements clause `clauses[0]` runs: its own and those it falls through to, up to a final `break`. */
function clauseRun(clauses: Node[], wf: WorkflowState): Node[] {
  const out: Node[] = [];
  for (const clause of clauses) {
    const statements = (clause as Node & { getStatements(): Statement[] }).getStatements().flatMap((s) => (Node.isBlock(s) ? s.getStatements() : [s]));
    const last = statements[statements.length - 1];
    const ends = last !== undefined && Node.isBreakStatement(last) && last.getLabel() === undefined;
    for (const s of ends ? statements.slice(0, -1) : statements) {
      const inner = s.getFirstDescendant((d) => Node.isBreakStatement(d) && !insideLoopOrSwitch(d, s));
      if (Node.isBreakStatement(s) || inner !== undefined) {
        wf.ctx.report(inner ?? s, "controlFlow", "a break inside a case, other than at its end, leaves the switch at run time");
      }
      out.push(s);
    }
    if (ends || alwaysReturns(statements)) break;
  }
  return out;
}

/** Whether a `break` belongs to a loop or switch nested inside `within` (then it is not this switch's). */
function insideLoopOrSwitch(node: Node, within: Node): boolean {
  for (let cur = node.getParent(); cur !== undefined && cur !== within; cur = cur.getParent()) {
    const k = cur.getKind();
    if (k === SyntaxKind.SwitchStatement || k === SyntaxKind.ForOfStatement || k === SyntaxKind.ForStatement || k === SyntaxKind.WhileStatement) return true;
  }
  return false;
}

/**
 * Lowers `c ? a : b`, `a && b`, `a || b`, `a ?? b` whose lazy operands call tasks: a branch whose
 * arms are the operands' sub-graphs (the left operand's value is the arm that skips the right).
 */
export function lowerBranchExpression(e: Node, scope: Scope, wf: WorkflowState): Value | null {
  let testExpr: Expression;
  let armExprs: (Expression | undefined)[];
  let select: BranchSelect = "truthy";
  if (Node.isConditionalExpression(e)) {
    testExpr = e.getCondition();
    armExprs = [e.getWhenTrue(), e.getWhenFalse()];
  } else if (Node.isBinaryExpression(e)) {
    testExpr = e.getLeft();
    const op = e.getOperatorToken().getKind();
    // The arm `undefined` is the left operand's own value.
    armExprs =
      op === SyntaxKind.AmpersandAmpersandToken
        ? [e.getRight(), undefined]
        : op === SyntaxKind.BarBarToken
          ? [undefined, e.getRight()]
          : [e.getRight(), undefined];
    if (op === SyntaxKind.QuestionQuestionToken) select = "nullish";
  } else {
    return null;
  }
  const test = lowerExpression(testExpr, scope, wf);
  if (test === null) return null;
  const lowerArm = (expr: Expression | undefined, into: Builder): Value | null =>
    expr === undefined ? test : lowerExpression(expr, new Scope(into, scope), wf);
  if (isConstant(test)) {
    const truthy =
      select === "nullish" ? test.kind === "undefined" || (test.kind === "literal" && test.value === null) : test.kind === "literal" && Boolean(test.value);
    const taken = truthy ? 0 : 1;
    dead(wf, () => lowerArm(armExprs[1 - taken], { nodes: [] }));
    return lowerArm(armExprs[taken], scope.builder);
  }
  const id = wf.nextId("b");
  const arms: GraphBody[] = [];
  for (const expr of armExprs) {
    const builder: Builder = { nodes: [] };
    const result = lowerArm(expr, builder);
    if (result === null) return null;
    arms.push({ nodes: builder.nodes, result });
  }
  scope.builder.nodes.push({ kind: "branch", id, test, select, arms, loc: wf.ctx.locationOf(e) });
  return { kind: "node", node: id };
}
