import { Node, SyntaxKind, type SourceFile } from "ts-morph";
import type { JsonValue } from "@taskloom/sdk/internal";
import { NOT_LITERAL, literalValue, staticKey, unwrap } from "./literal-value.js";
import { moduleConstant } from "./module-constant.js";

/** What {@link staticValue} found: a value (`undefined` included), or the sub-expression it cannot evaluate. */
export type StaticValue = { ok: true; value: JsonValue | undefined } | { ok: false; at: Node };

const ok = (value: JsonValue | undefined): StaticValue => ({ ok: true, value });

function arithmetic(op: SyntaxKind, a: JsonValue | undefined, b: JsonValue | undefined): JsonValue | undefined | typeof NOT_LITERAL {
  if (op === SyntaxKind.PlusToken && (typeof a === "string" || typeof b === "string")) {
    return typeof a === "object" || typeof b === "object" ? NOT_LITERAL : `${a}${b}`;
  }
  if (typeof a !== "number" || typeof b !== "number") return NOT_LITERAL;
  switch (op) {
    case SyntaxKind.PlusToken:
      return a + b;
    case SyntaxKind.MinusToken:
      return a - b;
    case SyntaxKind.AsteriskToken:
      return a * b;
    case SyntaxKind.SlashToken:
      return a / b;
    case SyntaxKind.PercentToken:
      return a % b;
    case SyntaxKind.AsteriskAsteriskToken:
      return a ** b;
    default:
      return NOT_LITERAL;
  }
}

/**
 * Evaluates an expression known when the module is compiled: JSON literals, `undefined`,
 * module-level literal consts (also imported ones), their properties, arithmetic on numbers,
 * string concatenation and template strings, and arrays and objects of these (with spreads).
 * Decorator options are written this way (`@task({ timeoutMs: 5 * 60_000 })`).
 *
 * @param file - the file whose module-level names the expression may use.
 */
export function staticValue(expr: Node, file: SourceFile): StaticValue {
  const e = unwrap(expr);
  const literal = literalValue(e);
  if (literal !== NOT_LITERAL) return ok(literal);
  if (Node.isIdentifier(e)) {
    if (e.getText() === "undefined") return ok(undefined);
    const value = moduleConstant(file, e.getText());
    return value === undefined || value === NOT_LITERAL ? { ok: false, at: e } : ok(value);
  }
  if (Node.isPropertyAccessExpression(e) || Node.isElementAccessExpression(e)) {
    const of = staticValue(e.getExpression(), file);
    if (!of.ok) return of;
    const arg = Node.isElementAccessExpression(e) ? e.getArgumentExpression() : undefined;
    const key = Node.isPropertyAccessExpression(e) ? e.getName() : arg === undefined ? undefined : staticKeyOf(arg, file);
    const container = of.value;
    if (key === undefined || typeof container !== "object" || container === null || !Object.hasOwn(container, key)) return { ok: false, at: e };
    return ok((container as Record<string, JsonValue>)[key]);
  }
  if (Node.isPrefixUnaryExpression(e)) {
    const operand = staticValue(e.getOperand(), file);
    if (!operand.ok) return operand;
    const op = e.getOperatorToken();
    if (typeof operand.value !== "number" || (op !== SyntaxKind.MinusToken && op !== SyntaxKind.PlusToken)) return { ok: false, at: e };
    return ok(op === SyntaxKind.MinusToken ? -operand.value : operand.value);
  }
  if (Node.isBinaryExpression(e)) {
    const left = staticValue(e.getLeft(), file);
    if (!left.ok) return left;
    const right = staticValue(e.getRight(), file);
    if (!right.ok) return right;
    const value = arithmetic(e.getOperatorToken().getKind(), left.value, right.value);
    return value === NOT_LITERAL ? { ok: false, at: e } : ok(value);
  }
  if (Node.isTemplateExpression(e)) {
    let text = e.getHead().getLiteralText();
    for (const span of e.getTemplateSpans()) {
      const part = staticValue(span.getExpression(), file);
      if (!part.ok) return part;
      if (typeof part.value === "object" && part.value !== null) return { ok: false, at: span.getExpression() };
      text += `${part.value}${span.getLiteral().getLiteralText()}`;
    }
    return ok(text);
  }
  if (Node.isArrayLiteralExpression(e)) return arrayValue(e.getElements(), file);
  if (Node.isObjectLiteralExpression(e)) return objectValue(e, file);
  return { ok: false, at: e };
}

function staticKeyOf(expr: Node, file: SourceFile): string | undefined {
  const key = staticValue(expr, file);
  return key.ok && (typeof key.value === "string" || typeof key.value === "number") ? String(key.value) : undefined;
}

function arrayValue(elements: Node[], file: SourceFile): StaticValue {
  const out: JsonValue[] = [];
  for (const element of elements) {
    if (Node.isSpreadElement(element)) {
      const spread = staticValue(element.getExpression(), file);
      if (!spread.ok) return spread;
      if (!Array.isArray(spread.value)) return { ok: false, at: element };
      out.push(...spread.value);
      continue;
    }
    const item = staticValue(element, file);
    if (!item.ok) return item;
    out.push(item.value ?? null);
  }
  return ok(out);
}

function objectValue(e: Node & { getProperties(): Node[] }, file: SourceFile): StaticValue {
  const out: Record<string, JsonValue> = {};
  for (const prop of e.getProperties()) {
    let key: string | undefined;
    let value: StaticValue;
    if (Node.isPropertyAssignment(prop)) {
      key = staticKey(prop.getNameNode());
      value = staticValue(prop.getInitializerOrThrow(), file);
    } else if (Node.isShorthandPropertyAssignment(prop)) {
      key = prop.getName();
      value = staticValue(prop.getNameNode(), file);
    } else if (Node.isSpreadAssignment(prop)) {
      const spread = staticValue(prop.getExpression(), file);
      if (!spread.ok) return spread;
      if (typeof spread.value !== "object" || spread.value === null || Array.isArray(spread.value)) return { ok: false, at: prop };
      Object.assign(out, spread.value);
      continue;
    } else {
      return { ok: false, at: prop };
    }
    if (key === undefined) return { ok: false, at: prop };
    if (!value.ok) return value;
    if (value.value === undefined) delete out[key];
    else out[key] = value.value;
  }
  return ok(out);
}
