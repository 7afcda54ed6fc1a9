import { Node, SyntaxKind, type ArrowFunction, type FunctionExpression, type Identifier } from "ts-morph";
import type { Value } from "@taskloom/sdk/internal";
import type { DiagnosticKind } from "../diagnostics/codes.js";
import { foldConstant } from "./fold-constant.js";
import { literalValue, NOT_LITERAL, unwrap } from "./literal-value.js";
import { lowerExpression } from "./lower-expression.js";
import { isTaskCall } from "./task-calls.js";
import { moduleConstant } from "./module-constant.js";
import {
  FORBIDDEN_GLOBALS,
  MUTATING_METHODS,
  NON_DETERMINISTIC_MEMBERS,
  PURE_CONSTRUCTORS,
  PURE_GLOBAL_FUNCTIONS,
  PURE_GLOBAL_VALUES,
  PURE_METHODS,
  PURE_NAMESPACES,
} from "./pure-builtins.js";
import { resolveClass } from "./resolve-class.js";
import { literal, makeArray } from "./value-builders.js";
import type { Scope, WorkflowState } from "./workflow-scope.js";

/** Names bound inside the expression itself (callback parameters, their consts). */
type Locals = ReadonlySet<string>;

/** A piece of the expression's text replaced in the generated function. */
interface Edit {
  start: number;
  end: number;
  /** The parameter standing for a hole, or literal text. */
  hole?: number;
  text?: string;
  /** Text before the parameter (`x: ` for a shorthand property `{ x }`). */
  before?: string;
}

/**
 * Writes a pure expression of a workflow body as the text of a generated function: the workflow's
 * bindings it reads and the task calls it contains (evaluated before it, in source order) become
 * its parameters; everything else stays the user's own text. Reports what is not pure.
 */
class PureWriter {
  readonly holes: Value[] = [];
  private readonly holeIndex = new Map<unknown, number>();
  private readonly edits: Edit[] = [];
  ok = true;

  constructor(
    private readonly root: Node,
    private readonly scope: Scope,
    private readonly wf: WorkflowState,
  ) {}

  private fail(node: Node, kind: DiagnosticKind, message: string, hint?: string): void {
    this.wf.ctx.report(node, kind, message, hint);
    this.ok = false;
  }

  /** Replaces `node` by a parameter standing for `value` (one parameter per distinct key). */
  private hole(node: Node, key: unknown, value: Value | null, before?: string): void {
    if (value === null) {
      this.ok = false;
      return;
    }
    let k = this.holeIndex.get(key);
    if (k === undefined) {
      k = this.holes.push(value) - 1;
      this.holeIndex.set(key, k);
    }
    this.edits.push({ start: node.getStart(), end: node.getEnd(), hole: k, ...(before ? { before } : {}) });
  }

  /**
   * The generated arrow function: parameters `$0`, `$1`, … for the holes (more `$` when the text
   * uses such names), the expression's text with its holes replaced. With `pair`, it takes the two
   * items of a `treeReduce` first and applies the (callback) expression to them.
   */
  code(pair = false): string {
    const base = this.root.getStart();
    const raw = this.root.getText();
    let prefix = "$";
    while (new RegExp(`${prefix.replace(/\$/g, "\\$")}(\\d|[ab]\\b)`).test(raw)) prefix += "$";
    let text = raw;
    for (const e of [...this.edits].sort((a, b) => b.start - a.start)) {
      const piece = e.hole !== undefined ? `${e.before ?? ""}${prefix}${e.hole}` : (e.text ?? "");
      text = text.slice(0, e.start - base) + piece + text.slice(e.end - base);
    }
    const holes = this.holes.map((_, i) => `${prefix}${i}`);
    if (!pair) return `(${holes.join(", ")}) => (${text})`;
    return `(${[`${prefix}a`, `${prefix}b`, ...holes].join(", ")}) => (${text})(${prefix}a, ${prefix}b)`;
  }

  /** Checks and records one expression; `lazy` when it may not be evaluated (callbacks, `?:` arms, `&&` right sides). */
  visit(node: Node, locals: Locals, lazy: boolean): void {
    const inner = unwrap(node);
    if (inner !== node) {
      this.visit(inner, locals, lazy);
      return;
    }
    if (this.holeWorthy(node, locals)) {
      if (lazy) {
        this.fail(
          node,
          "taskInCallback",
          `\`${node.getText()}\` calls a task inside a callback of a pure expression, which runs once per element or not at all`,
        );
        return;
      }
      this.hole(node, node, lowerExpression(node, this.scope, this.wf));
      return;
    }
    if (literalValue(node) !== NOT_LITERAL || Node.isRegularExpressionLiteral(node) || Node.isBigIntLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node))
      return;
    if (Node.isIdentifier(node)) {
      this.identifier(node, locals);
      return;
    }
    if (Node.isTemplateExpression(node)) {
      for (const span of node.getTemplateSpans()) this.visit(span.getExpression(), locals, lazy);
      return;
    }
    if (Node.isPropertyAccessExpression(node)) {
      this.propertyAccess(node, locals, lazy);
      return;
    }
    if (Node.isElementAccessExpression(node)) {
      this.visit(node.getExpression(), locals, lazy);
      this.visit(node.getArgumentExpressionOrThrow(), locals, lazy);
      return;
    }
    if (Node.isCallExpression(node)) {
      this.call(node, locals, lazy);
      return;
    }
    if (Node.isBinaryExpression(node)) {
      this.binary(node, locals, lazy);
      return;
    }
    if (Node.isConditionalExpression(node)) {
      this.visit(node.getCondition(), locals, lazy);
      this.visit(node.getWhenTrue(), locals, true);
      this.visit(node.getWhenFalse(), locals, true);
      return;
    }
    if (Node.isPrefixUnaryExpression(node)) {
      const op = node.getOperatorToken();
      if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
        this.fail(node, "reassignment", `\`${node.getText()}\` changes a binding`);
        return;
      }
      this.visit(node.getOperand(), locals, lazy);
      return;
    }
    if (Node.isPostfixUnaryExpression(node)) {
      this.fail(node, "reassignment", `\`${node.getText()}\` changes a binding`);
      return;
    }
    if (Node.isTypeOfExpression(node) || Node.isVoidExpression(node)) {
      this.visit(node.getExpression(), locals, lazy);
      return;
    }
    if (Node.isDeleteExpression(node)) {
      this.fail(node, "mutation", `\`${node.getText()}\` removes a property from an object`);
      return;
    }
    if (Node.isArrayLiteralExpression(node)) {
      for (const el of node.getElements()) this.visit(Node.isSpreadElement(el) ? el.getExpression() : el, locals, lazy);
      return;
    }
    if (Node.isOmittedExpression(node)) return;
    if (Node.isObjectLiteralExpression(node)) {
      this.object(node, locals, lazy);
      return;
    }
    if (Node.isNewExpression(node)) {
      this.construct(node, locals, lazy);
      return;
    }
    if (Node.isAwaitExpression(node)) {
      this.fail(node, "awaitNonTask", `\`${node.getText()}\` awaits a value that is not a task result`);
      return;
    }
    if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) {
      this.fail(node, "callbackArgument", "a function is not a value a workflow can pass around; only pure built-ins take callbacks here");
      return;
    }
    if (Node.isThisExpression(node)) {
      this.fail(node, "thisOutsideCall", "`this` may only be used to call a task: this.method(...)");
      return;
    }
    this.fail(node, "unsupportedExpression", `unsupported expression \`${node.getText()}\` in a workflow`);
  }

  /** A sub-expression computed before the inline step and passed in: a task call, a branch over tasks, a map calling tasks. */
  private holeWorthy(node: Node, locals: Locals): boolean {
    if (Node.isAwaitExpression(node)) {
      return this.holeWorthy(unwrap(node.getExpression()), locals);
    }
    if (Node.isCallExpression(node)) return isTaskCall(node, this.scope, this.wf, locals);
    if (Node.isConditionalExpression(node))
      return callsTask(node.getWhenTrue(), this.scope, this.wf, locals) || callsTask(node.getWhenFalse(), this.scope, this.wf, locals);
    if (Node.isBinaryExpression(node)) {
      const op = node.getOperatorToken().getKind();
      const lazyRight = op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.QuestionQuestionToken;
      return lazyRight && callsTask(node.getRight(), this.scope, this.wf, locals);
    }
    return false;
  }

  private identifier(id: Identifier, locals: Locals): void {
    const name = id.getText();
    if (locals.has(name)) return;
    const binding = this.scope.lookup(name);
    if (binding !== undefined) {
      if (binding.kind === "error") this.ok = false;
      else if (binding.kind === "value") this.hole(id, binding, binding.value, this.shorthandBefore(id));
      else {
        this.scope.noteRead(binding, id);
        this.hole(id, binding, makeArray([...binding.items]), this.shorthandBefore(id));
      }
      return;
    }
    if (PURE_GLOBAL_VALUES.has(name) || PURE_GLOBAL_FUNCTIONS.has(name) || name in PURE_NAMESPACES || PURE_CONSTRUCTORS.has(name)) return;
    const forbidden = FORBIDDEN_GLOBALS[name];
    if (forbidden !== undefined) {
      this.fail(id, forbidden.kind, forbidden.why);
      return;
    }
    const constant = moduleConstant(this.wf.file, name);
    if (constant !== undefined && constant !== NOT_LITERAL) {
      this.hole(id, `const:${name}`, literal(constant), this.shorthandBefore(id));
      return;
    }
    const why =
      resolveClass(name, this.wf.file) !== undefined
        ? `${name} is a class, not a value`
        : constant === NOT_LITERAL
          ? `${name} is a module-level or imported binding that is not a literal const`
          : `unknown identifier ${name}`;
    this.fail(id, "unknownIdentifier", why);
  }

  private shorthandBefore(id: Identifier): string | undefined {
    return Node.isShorthandPropertyAssignment(id.getParent()) ? `${id.getText()}: ` : undefined;
  }

  private propertyAccess(node: Node & { getExpression(): Node; getName(): string }, locals: Locals, lazy: boolean): void {
    const recv = node.getExpression();
    if (Node.isIdentifier(recv) && this.isGlobal(recv, locals)) {
      const member = `${recv.getText()}.${node.getName()}`;
      const why = NON_DETERMINISTIC_MEMBERS[member];
      if (why !== undefined) {
        this.fail(node, "nondeterministic", why);
        return;
      }
      const allowed = PURE_NAMESPACES[recv.getText()];
      if (allowed !== undefined && (allowed === "*" || allowed.has(node.getName()))) return;
      if (allowed !== undefined) {
        const mutates = MUTATING_METHODS.has(node.getName());
        this.fail(node, mutates ? "mutation" : "nonTaskCall", mutates ? `${member} changes its argument in place` : `${member} is not a pure built-in`);
        return;
      }
    }
    this.visit(recv, locals, lazy);
  }

  /** Whether an identifier names a global (no binding of the workflow or of the expression shadows it). */
  private isGlobal(id: Identifier, locals: Locals): boolean {
    const name = id.getText();
    return !locals.has(name) && this.scope.lookup(name) === undefined && moduleConstant(this.wf.file, name) === undefined;
  }

  private call(node: Node & { getExpression(): Node; getArguments(): Node[] }, locals: Locals, lazy: boolean): void {
    const callee = node.getExpression();
    const args = node.getArguments();
    if (Node.isIdentifier(callee)) {
      const name = callee.getText();
      if (this.isGlobal(callee, locals) && PURE_GLOBAL_FUNCTIONS.has(name)) {
        for (const a of args) this.visitArg(a, locals, lazy, name);
        return;
      }
      if (this.isGlobal(callee, locals) && FORBIDDEN_GLOBALS[name] !== undefined) {
        this.identifier(callee, locals);
        return;
      }
      this.fail(node, "nonTaskCall", `${name}(...) is not a @task or a pure built-in`);
      return;
    }
    if (Node.isPropertyAccessExpression(callee)) {
      const method = callee.getName();
      const recv = callee.getExpression();
      if (
        Node.isIdentifier(recv) &&
        this.isGlobal(recv, locals) &&
        (PURE_NAMESPACES[recv.getText()] !== undefined || FORBIDDEN_GLOBALS[recv.getText()] !== undefined)
      ) {
        this.propertyAccess(callee, locals, lazy);
        for (const a of args) this.visitArg(a, locals, lazy, `${recv.getText()}.${method}`);
        return;
      }
      if (MUTATING_METHODS.has(method)) {
        this.fail(node, "mutation", `${callee.getText()}() changes ${recv.getText()} in place`);
        return;
      }
      if (!PURE_METHODS.has(method)) {
        this.fail(node, "nonTaskCall", `${callee.getText()} is not a @task or a pure built-in method`);
        return;
      }
      this.visit(recv, locals, lazy);
      for (const a of args) this.visitArg(a, locals, lazy, `.${method}`);
      return;
    }
    this.fail(node, "nonTaskCall", `${callee.getText()} is not a @task or a pure built-in`);
  }

  private visitArg(arg: Node, locals: Locals, lazy: boolean, what: string): void {
    let a = arg;
    while (Node.isParenthesizedExpression(a)) a = a.getExpression();
    if (Node.isArrowFunction(a) || Node.isFunctionExpression(a)) {
      this.callback(a, locals, what);
      return;
    }
    this.visit(Node.isSpreadElement(a) ? a.getExpression() : a, locals, lazy);
  }

  /** A callback of a pure built-in: its parameters are its own names, its body a pure expression (or consts, ifs and returns). */
  callback(fn: ArrowFunction | FunctionExpression, locals: Locals, what: string): void {
    if (Node.isFunctionExpression(fn) && (fn.isGenerator() || fn.getDescendantsOfKind(SyntaxKind.ThisKeyword).length > 0)) {
      this.fail(fn, "unsupportedExpression", `the callback of ${what} must be an arrow function or a plain function`);
      return;
    }
    if (fn.isAsync()) {
      this.fail(fn, "awaitNonTask", `the callback of ${what} is async: a pure callback computes a value at once`);
      return;
    }
    const inner = new Set(locals);
    for (const p of fn.getParameters()) {
      for (const name of boundNames(p.getNameNode())) inner.add(name);
      const init = p.getInitializer();
      if (init !== undefined) this.visit(init, inner, true);
    }
    const body = fn.getBody();
    if (body === undefined) return;
    if (Node.isBlock(body)) this.block(body.getStatements(), inner, what);
    else this.visit(body, inner, true);
  }

  private block(statements: Node[], locals: Set<string>, what: string): void {
    for (const st of statements) {
      if (Node.isVariableStatement(st)) {
        if (st.getDeclarationKind() !== "const") {
          this.fail(st, "letOrVar", `\`${st.getDeclarationKind()}\` in the callback of ${what} declares a binding that can change`);
          continue;
        }
        for (const d of st.getDeclarations()) {
          const init = d.getInitializer();
          if (init !== undefined) this.visit(init, locals, true);
          for (const name of boundNames(d.getNameNode())) locals.add(name);
        }
      } else if (Node.isReturnStatement(st)) {
        const e = st.getExpression();
        if (e !== undefined) this.visit(e, locals, true);
      } else if (Node.isIfStatement(st)) {
        this.visit(st.getExpression(), locals, true);
        const arms = [st.getThenStatement(), st.getElseStatement()];
        for (const arm of arms) if (arm !== undefined) this.block(Node.isBlock(arm) ? arm.getStatements() : [arm], new Set(locals), what);
      } else if (Node.isBlock(st)) {
        this.block(st.getStatements(), new Set(locals), what);
      } else if (!Node.isEmptyStatement(st)) {
        this.fail(st, "unsupportedStatement", `the callback of ${what} may only declare consts, branch and return a value`);
      }
    }
  }

  private binary(node: Node & { getOperatorToken(): Node; getLeft(): Node; getRight(): Node }, locals: Locals, lazy: boolean): void {
    const op = node.getOperatorToken().getKind();
    const text = node.getOperatorToken().getText();
    if (op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment) {
      this.fail(node, "reassignment", `\`${text}\` assigns to an existing binding`);
      return;
    }
    if (op === SyntaxKind.CommaToken) {
      this.fail(node, "operator", "the comma operator evaluates an expression for its side effects");
      return;
    }
    const lazyRight = op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.QuestionQuestionToken;
    this.visit(node.getLeft(), locals, lazy);
    this.visit(node.getRight(), locals, lazy || lazyRight);
  }

  private object(node: Node & { getProperties(): Node[] }, locals: Locals, lazy: boolean): void {
    for (const prop of node.getProperties()) {
      if (Node.isPropertyAssignment(prop)) {
        const name = prop.getNameNode();
        if (Node.isComputedPropertyName(name)) this.visit(name.getExpression(), locals, lazy);
        this.visit(prop.getInitializerOrThrow(), locals, lazy);
      } else if (Node.isShorthandPropertyAssignment(prop)) {
        this.identifier(prop.getNameNode(), locals);
      } else if (Node.isSpreadAssignment(prop)) {
        this.visit(prop.getExpression(), locals, lazy);
      } else {
        this.fail(prop, "callbackArgument", "methods and accessors in an object literal are functions, not values");
      }
    }
  }

  private construct(node: Node & { getExpression(): Node; getArguments(): Node[] }, locals: Locals, lazy: boolean): void {
    const ctor = node.getExpression();
    const name = ctor.getText();
    if (!Node.isIdentifier(ctor) || !this.isGlobal(ctor, locals) || !PURE_CONSTRUCTORS.has(name)) {
      this.fail(node, "newExpression", `\`${node.getText()}\` creates an object of a class in the workflow`);
      return;
    }
    if (name === "Date" && node.getArguments().length === 0) {
      this.fail(node, "nondeterministic", "new Date() reads the clock: another value in every run");
      return;
    }
    for (const a of node.getArguments()) this.visitArg(a, locals, lazy, `new ${name}`);
  }
}

/** The names a parameter or binding pattern binds. */
function boundNames(name: Node): string[] {
  if (Node.isIdentifier(name)) return [name.getText()];
  if (Node.isObjectBindingPattern(name) || Node.isArrayBindingPattern(name)) {
    return name.getElements().flatMap((e) => (Node.isBindingElement(e) ? boundNames(e.getNameNode()) : []));
  }
  return [];
}

/** Whether an expression calls a task anywhere (its callbacks included): then it is not pure. */
export function callsTask(node: Node, scope: Scope, wf: WorkflowState, locals: Locals = new Set()): boolean {
  if (Node.isCallExpression(node) && isTaskCall(node, scope, wf, locals)) return true;
  return node.getFirstDescendant((d) => Node.isCallExpression(d) && isTaskCall(d, scope, wf, locals)) !== undefined;
}

/**
 * Lowers a pure expression (operators, template strings, pure built-ins, callbacks without tasks)
 * to an inline step: the task calls it contains become nodes before it, the whole becomes one
 * generated function. Constant expressions are folded. Returns null after a diagnostic.
 */
export function lowerPure(expr: Node, scope: Scope, wf: WorkflowState): Value | null {
  const writer = new PureWriter(expr, scope, wf);
  writer.visit(expr, new Set(), false);
  return writer.ok ? lowerGenerated(writer.code(), writer.holes, expr, scope, wf) : null;
}

/**
 * An inline step whose function the compiler wrote itself (a `switch`'s selector) over `args`:
 * folded when every argument is a constant.
 */
export function lowerGenerated(code: string, args: Value[], at: Node, scope: Scope, wf: WorkflowState): Value | null {
  if (args.every((a) => a.kind === "literal" || a.kind === "undefined")) {
    const folded = foldConstant(code, args);
    if (folded !== undefined) return folded;
  }
  const loc = wf.ctx.locationOf(at);
  const fn = wf.addInline(code, loc);
  const id = wf.nextId("i");
  scope.builder.nodes.push({ kind: "inline", id, fn, args, loc });
  return { kind: "node", node: id };
}

/**
 * The inline function of a `treeReduce` combine written as an arrow function (`(a, b) => a + b`):
 * its id and the workflow values it reads, passed after the pair as `fn(left, right, ...args)`.
 */
export function lowerPureCombine(fn: ArrowFunction | FunctionExpression, scope: Scope, wf: WorkflowState): { fn: string; args: Value[] } | null {
  const writer = new PureWriter(fn, scope, wf);
  writer.callback(fn, new Set(), "treeReduce");
  if (!writer.ok) return null;
  return { fn: wf.addInline(writer.code(true), wf.ctx.locationOf(fn)), args: writer.holes };
}
