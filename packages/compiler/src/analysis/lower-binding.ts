import { Node } from "ts-morph";
import type { Value } from "@taskloom/sdk/internal";
import { staticKey } from "./literal-value.js";
import { getPath } from "./value-builders.js";
import type { Scope, WorkflowState } from "./workflow-scope.js";

/**
 * Binds a const name or destructuring pattern to a value: `{a, b: [c]}` binds `a` and `c` to
 * `get` values (or directly to statically known items). A null value binds the names as errors.
 */
export function bindPattern(name: Node, value: Value | null, scope: Scope, wf: WorkflowState): void {
  if (Node.isIdentifier(name)) {
    scope.bind(name.getText(), value === null ? { kind: "error" } : { kind: "value", value });
    return;
  }
  if (Node.isObjectBindingPattern(name) || Node.isArrayBindingPattern(name)) {
    name.getElements().forEach((element, index) => {
      if (!Node.isBindingElement(element)) return; // an omitted array element
      const inner = element.getNameNode();
      let sub: Value | null = value;
      if (element.getDotDotDotToken() !== undefined) {
        wf.ctx.report(element, "unsupportedExpression", "a rest element (...) in destructuring builds a new value at run time");
        sub = null;
      } else if (element.getInitializer() !== undefined) {
        wf.ctx.report(element, "controlFlow", "a default value in destructuring decides at run time");
        sub = null;
      } else if (Node.isObjectBindingPattern(name)) {
        const keyNode = element.getPropertyNameNode() ?? inner;
        const key = staticKey(keyNode);
        if (key === undefined) {
          wf.ctx.report(keyNode, "unsupportedExpression", "a computed key must be a string or number literal");
          sub = null;
        } else if (value !== null) {
          sub = getPath(value, [key]);
        }
      } else if (value !== null) {
        sub = getPath(value, [index]);
      }
      bindPattern(inner, sub, scope, wf);
    });
    return;
  }
  wf.ctx.report(name, "unsupportedExpression", `unsupported binding ${name.getText()}`);
}
