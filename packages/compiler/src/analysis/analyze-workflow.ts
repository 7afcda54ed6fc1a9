import { Node } from "ts-morph";
import type { WorkflowIR } from "@taskloom/sdk/internal";
import type { AnalysisContext } from "./analysis-context.js";
import { readDecoratorOptions } from "./decorator-options.js";
import type { WorkflowMethod } from "./find-decorated.js";
import { checkStreams } from "./check-streams.js";
import { bindPattern } from "./lower-binding.js";
import { lowerBody } from "./lower-statement.js";
import { Scope, WorkflowState, type Builder } from "./workflow-scope.js";

/**
 * Lowers one `@workflow` method to its graph IR. Returns null when a diagnostic was reported
 * for it (the diagnostics are in `ctx`).
 */
export function analyzeWorkflow({ classDecl, method }: WorkflowMethod, ctx: AnalysisContext): WorkflowIR | null {
  const before = ctx.diagnostics.length;
  const wf = new WorkflowState(ctx, method.getSourceFile(), classDecl, method);
  const builder: Builder = { nodes: [] };
  const scope = new Scope(builder);
  const params = method.getParameters();
  const name = method.getName();
  if (params.length > 1) {
    ctx.report(params[1] ?? method, "workflowParameters", `workflow ${name} takes ${params.length} parameters`);
  }
  params.forEach((param, index) => {
    const nameNode = param.getNameNode();
    let ok = index === 0;
    if (ok && !Node.isIdentifier(nameNode)) {
      ctx.report(param, "workflowParameters", `the input of workflow ${name} is destructured; name it and read its properties`);
      ok = false;
    } else if (ok && (param.isRestParameter() || param.hasInitializer())) {
      ctx.report(param, "workflowParameters", `the input of workflow ${name} is a rest parameter or has a default value`);
      ok = false;
    }
    // A rejected parameter is still bound (as an error) so that its uses are not reported again.
    bindPattern(nameNode, ok ? { kind: "input" } : null, scope, wf);
  });
  const body = method.getBody();
  if (body === undefined || !Node.isBlock(body)) {
    ctx.report(method, "unsupportedStatement", `workflow ${name} has no body`);
    return null;
  }
  const className = classDecl.getName() ?? "default";
  const read = readDecoratorOptions(method, "workflow", `${className}.${name}`, ctx);
  const result = lowerBody(body.getStatements(), scope, wf, "workflow");
  if (result === null || read === null || ctx.diagnostics.length > before) return null;
  const ir: WorkflowIR = {
    name,
    className,
    hasInput: params.length > 0,
    ...(read.options !== undefined ? { options: read.options } : {}),
    loc: ctx.locationOf(method.getNameNode()),
    nodes: builder.nodes,
    result,
  };
  checkStreams(ir, wf);
  return ctx.diagnostics.length > before ? null : ir;
}
