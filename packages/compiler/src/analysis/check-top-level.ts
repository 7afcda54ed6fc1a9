import { Node, VariableDeclarationKind, type SourceFile } from "ts-morph";
import type { AnalysisContext } from "./analysis-context.js";
import { unwrap } from "./literal-value.js";

/** Whether evaluating an expression at module load can do nothing but build a value. */
function isInert(expr: Node): boolean {
  const e = unwrap(expr);
  if (
    Node.isLiteralExpression(e) ||
    Node.isNoSubstitutionTemplateLiteral(e) ||
    Node.isTrueLiteral(e) ||
    Node.isFalseLiteral(e) ||
    Node.isNullLiteral(e) ||
    Node.isIdentifier(e) ||
    Node.isArrowFunction(e) ||
    Node.isFunctionExpression(e) ||
    Node.isClassExpression(e)
  ) {
    return true;
  }
  if (Node.isPrefixUnaryExpression(e)) return isInert(e.getOperand());
  if (Node.isArrayLiteralExpression(e)) return e.getElements().every(isInert);
  if (Node.isSpreadElement(e) || Node.isSpreadAssignment(e)) return isInert(e.getExpression());
  if (Node.isObjectLiteralExpression(e)) {
    return e.getProperties().every((p) => {
      if (Node.isPropertyAssignment(p)) {
        const init = p.getInitializer();
        const name = p.getNameNode();
        const keyOk = !Node.isComputedPropertyName(name) || isInert(name.getExpression());
        return keyOk && init !== undefined && isInert(init);
      }
      if (Node.isSpreadAssignment(p)) return isInert(p.getExpression());
      return true; // shorthand properties, methods and accessors build a value only
    });
  }
  return false;
}

/**
 * Reports top-level code of a task or workflow module that does more than declare things: each
 * worker imports the module, so such code would run again in every worker.
 */
export function checkTopLevel(file: SourceFile, ctx: AnalysisContext): void {
  for (const statement of file.getStatements()) {
    if (
      Node.isImportDeclaration(statement) ||
      Node.isExportDeclaration(statement) ||
      Node.isClassDeclaration(statement) ||
      Node.isFunctionDeclaration(statement) ||
      Node.isTypeAliasDeclaration(statement) ||
      Node.isInterfaceDeclaration(statement) ||
      Node.isEnumDeclaration(statement) ||
      Node.isModuleDeclaration(statement) ||
      Node.isEmptyStatement(statement) ||
      Node.isImportEqualsDeclaration(statement)
    ) {
      continue;
    }
    if (Node.isExportAssignment(statement)) {
      if (!isInert(statement.getExpression())) {
        ctx.report(statement, "topLevelEffect", "the default export runs code when the module is loaded");
      }
      continue;
    }
    if (Node.isVariableStatement(statement)) {
      if (statement.hasDeclareKeyword()) continue;
      if (statement.getDeclarationKind() !== VariableDeclarationKind.Const) {
        const kind = statement.getDeclarationKind();
        ctx.report(statement, "topLevelEffect", `a top-level \`${kind}\` declares module state that every worker would re-create`);
        continue;
      }
      for (const decl of statement.getDeclarations()) {
        const init = decl.getInitializer();
        if (init !== undefined && !isInert(init)) {
          ctx.report(init, "topLevelEffect", `\`const ${decl.getName()}\` is initialised by code that runs when the module is loaded`);
        }
      }
      continue;
    }
    ctx.report(statement, "topLevelEffect", "a top-level statement runs when the module is loaded");
  }
}
