import { Node, type MethodDeclaration } from "ts-morph";
import { TaskloomError, validateTaskOptions, validateWorkflowOptions, type TaskOptions, type WorkflowOptions } from "@taskloom/sdk";
import type { AnalysisContext } from "./analysis-context.js";
import { sdkDecoratorOf, type DecoratorKind } from "./find-decorated.js";
import { staticValue } from "./static-value.js";

/** What {@link readDecoratorOptions} returns: the options (undefined when empty), or null after a diagnostic. */
type Read<O> = { options: O | undefined } | null;

/**
 * Evaluates the options of a method's `@task(...)` / `@workflow(...)` at compile time and
 * validates them as the SDK does when the class loads, so that the manifest carries them
 * (`TaskInfo.options`, `WorkflowIR.options`) and no runtime imports a bundle to read them.
 * Options the compiler cannot evaluate (`decoratorOptions`) or that the SDK rejects
 * (`invalidOption`) are reported at the decorator.
 *
 * @param shown - `Class.method`, for messages.
 */
export function readDecoratorOptions(method: MethodDeclaration, kind: "task", shown: string, ctx: AnalysisContext): Read<TaskOptions>;
export function readDecoratorOptions(method: MethodDeclaration, kind: "workflow", shown: string, ctx: AnalysisContext): Read<WorkflowOptions>;
export function readDecoratorOptions(method: MethodDeclaration, kind: DecoratorKind, shown: string, ctx: AnalysisContext): Read<TaskOptions | WorkflowOptions> {
  const decorator = sdkDecoratorOf(method, kind);
  const call = decorator?.getExpression();
  if (decorator === undefined || !Node.isCallExpression(call)) return { options: undefined };
  const [arg, ...extra] = call.getArguments();
  if (extra.length > 0) {
    ctx.report(extra[0]!, "decoratorOptions", `@${kind} takes one options object, got ${call.getArguments().length} arguments`);
    return null;
  }
  if (arg === undefined) return { options: undefined };
  const evaluated = staticValue(arg, method.getSourceFile());
  if (!evaluated.ok) {
    ctx.report(evaluated.at, "decoratorOptions", `the options of @${kind} on ${shown} must be known at compile time; ${evaluated.at.getText()} is not`);
    return null;
  }
  const where = `@${kind} on ${shown}`;
  try {
    const checked = kind === "task" ? validateTaskOptions(where, evaluated.value ?? {}) : validateWorkflowOptions(where, evaluated.value ?? {});
    return { options: Object.keys(checked).length === 0 ? undefined : { ...checked } };
  } catch (error) {
    if (!(error instanceof TaskloomError)) throw error;
    ctx.report(arg, "invalidOption", error.message);
    return null;
  }
}
