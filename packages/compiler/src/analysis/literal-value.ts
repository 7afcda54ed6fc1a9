import { Node, SyntaxKind, VariableDeclarationKind, type Expression, type SourceFile } from "ts-morph";
import type { JsonValue } from "@taskloom/sdk/internal";

/** Marker returned by {@link literalValue} when an expression is not a JSON literal. */
export const NOT_LITERAL: unique symbol = Symbol("not a literal");

/** Strips parentheses, `as`, `satisfies`, `<T>` and `!` around an expression. */
export function unwrap(expr: Node): Node {
  let current = expr;
  for (;;) {
    if (
      Node.isParenthesizedExpression(current) ||
      Node.isAsExpression(current) ||
      Node.isSatisfiesExpression(current) ||
      Node.isTypeAssertion(current) ||
      Node.isNonNullExpression(current)
    ) {
      current = current.getExpression();
    } else {
      return current;
    }
  }
}

/** The property name of an object literal member or binding element, when statically known. */
export function staticKey(name: Node): string | undefined {
  if (Node.isIdentifier(name) || Node.isPrivateIdentifier(name)) return name.getText();
  if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
  if (Node.isNumericLiteral(name)) return String(name.getLiteralValue());
  if (Node.isComputedPropertyName(name)) {
    const inner = literalValue(name.getExpression());
    return typeof inner === "string" || typeof inner === "number" ? String(inner) : undefined;
  }
  return undefined;
}

/** Evaluates a JSON literal expression (`1`, `-2`, `"s"`, `[1, {a: true}]`, `null`), or NOT_LITERAL. */
export function literalValue(expr: Node): JsonValue | typeof NOT_LITERAL {
  const e = unwrap(expr);
  if (Node.isNumericLiteral(e)) return e.getLiteralValue();
  if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e)) return e.getLiteralValue();
  if (e.getKind() === SyntaxKind.TrueKeyword) return true;
  if (e.getKind() === SyntaxKind.FalseKeyword) return false;
  if (e.getKind() === SyntaxKind.NullKeyword) return null;
  if (Node.isPrefixUnaryExpression(e)) {
    const operand = unwrap(e.getOperand());
    const op = e.getOperatorToken();
    if (Node.isNumericLiteral(operand) && (op === SyntaxKind.MinusToken || op === SyntaxKind.PlusToken)) {
      const n = operand.getLiteralValue();
      return op === SyntaxKind.MinusToken ? -n : n;
    }
    return NOT_LITERAL;
  }
  if (Node.isArrayLiteralExpression(e)) {
    const out: JsonValue[] = [];
    for (const element of e.getElements()) {
      const v = literalValue(element);
      if (v === NOT_LITERAL) return NOT_LITERAL;
      out.push(v);
    }
    return out;
  }
  if (Node.isObjectLiteralExpression(e)) {
    const out: Record<string, JsonValue> = {};
    for (const prop of e.getProperties()) {
      if (!Node.isPropertyAssignment(prop)) return NOT_LITERAL;
      const key = staticKey(prop.getNameNode());
      const init = prop.getInitializer();
      const v = init === undefined ? NOT_LITERAL : literalValue(init);
      if (key === undefined || v === NOT_LITERAL) return NOT_LITERAL;
      out[key] = v;
    }
    return out;
  }
  return NOT_LITERAL;
}

/**
 * The value of a module-level `const name = <literal>` of `file`, NOT_LITERAL when `name` is a
 * module-level binding of another kind, undefined when the file declares no such variable.
 */
export function moduleConstValue(file: SourceFile, name: string): JsonValue | typeof NOT_LITERAL | undefined {
  for (const statement of file.getVariableStatements()) {
    for (const decl of statement.getDeclarations()) {
      if (decl.getName() !== name) continue;
      const init = decl.getInitializer();
      if (statement.getDeclarationKind() !== VariableDeclarationKind.Const || init === undefined) return NOT_LITERAL;
      return literalValue(init as Expression);
    }
  }
  return undefined;
}
