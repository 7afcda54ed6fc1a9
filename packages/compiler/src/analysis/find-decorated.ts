import { Node, SyntaxKind, type ClassDeclaration, type Decorator, type MethodDeclaration, type SourceFile } from "ts-morph";
import type { AnalysisContext } from "./analysis-context.js";
import { getSdkNames, sdkExportOf } from "./sdk-imports.js";

/** The SDK decorators the compiler understands. */
export type DecoratorKind = "task" | "workflow";

/** A `@workflow` static method and its class. */
export interface WorkflowMethod {
  classDecl: ClassDeclaration;
  method: MethodDeclaration;
}

function kindOfDecorator(decorator: Decorator): { kind: DecoratorKind; called: boolean } | undefined {
  const names = getSdkNames(decorator.getSourceFile());
  const expr = decorator.getExpression();
  const called = Node.isCallExpression(expr);
  const target = Node.isCallExpression(expr) ? expr.getExpression() : expr;
  const name = sdkExportOf(target, names);
  return name === "task" || name === "workflow" ? { kind: name, called } : undefined;
}

/** Whether a method carries `@task()` or `@workflow()` (imported from the SDK). */
export function decoratorKindOf(method: Node): DecoratorKind | undefined {
  if (!Node.isDecoratable(method)) return undefined;
  for (const decorator of method.getDecorators()) {
    const found = kindOfDecorator(decorator);
    if (found !== undefined) return found.kind;
  }
  return undefined;
}

/** The `@task(...)` or `@workflow(...)` decorator of a method, when it has one. */
export function sdkDecoratorOf(method: Node, kind: DecoratorKind): Decorator | undefined {
  if (!Node.isDecoratable(method)) return undefined;
  return method.getDecorators().find((d) => kindOfDecorator(d)?.kind === kind);
}

/** Finds a static method by name on a class declaration. */
export function findStaticMethod(classDecl: ClassDeclaration, name: string): MethodDeclaration | undefined {
  return classDecl.getStaticMethods().find((m) => m.getName() === name) as MethodDeclaration | undefined;
}

/**
 * Lists the `@workflow` methods of a file's classes, reporting decorators used on non-static
 * members or without their call parentheses.
 */
export function findWorkflows(file: SourceFile, ctx: AnalysisContext): WorkflowMethod[] {
  const found: WorkflowMethod[] = [];
  for (const classDecl of file.getDescendantsOfKind(SyntaxKind.ClassDeclaration)) {
    for (const member of classDecl.getMembers()) {
      if (!Node.isDecoratable(member)) continue;
      for (const decorator of member.getDecorators()) {
        const info = kindOfDecorator(decorator);
        if (info === undefined) continue;
        const memberName = Node.hasName(member) ? member.getName() : "member";
        if (!info.called) {
          ctx.report(decorator, "decoratorForm", `@${info.kind} must be called: write @${info.kind}()`);
        }
        const isStatic = Node.isStaticable(member) && member.isStatic();
        if (!Node.isMethodDeclaration(member) || !isStatic) {
          ctx.report(decorator, "nonStatic", `@${info.kind} decorates static methods only, but ${memberName} is not a static method`);
          continue;
        }
        if (info.kind === "workflow") found.push({ classDecl, method: member });
      }
    }
  }
  return found;
}
