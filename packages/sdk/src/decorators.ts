import { DecoratorUsageError } from "./errors.js";
import { TASK_LIST_METADATA_KEY, TASK_METADATA_KEY, WORKFLOW_METADATA_KEY } from "./metadata.js";
import { validateTaskOptions, validateWorkflowOptions, type TaskOptions, type WorkflowOptions } from "./options.js";

// biome-ignore lint/suspicious/noExplicitAny: a decorator accepts methods of any signature
type AnyFunction = (...args: any[]) => any;

function checkStaticMethod(decorator: string, context: ClassMethodDecoratorContext): string {
  if (context.kind !== "method" || !context.static || typeof context.name !== "string") {
    const what = context.static ? context.kind : `non-static ${context.kind}`;
    throw new DecoratorUsageError(
      `${decorator} decorates static methods only, but was applied to the ${what} ${String(context.name)}; ` +
        `write it as "static ${String(context.name)}(...)"`,
    );
  }
  return context.name;
}

/**
 * Marks a static method as a task: a unit of work that the runtime schedules on a worker thread
 * or a remote worker. Called directly, the method just runs.
 *
 * @param options - retries, timeout and memory of the task; validated at class definition.
 * @example
 * ```ts
 * export class WordCount {
 *   @task({ retries: 2, timeoutMs: 5_000 })
 *   static count(words: string[]): Record<string, number> { ... }
 * }
 * ```
 */
export function task(options?: TaskOptions) {
  return function <F extends AnyFunction>(value: F, context: ClassMethodDecoratorContext): F {
    const method = checkStaticMethod("@task", context);
    const checked = validateTaskOptions(`@task on ${method}`, options ?? {});
    context.addInitializer(function (this: unknown) {
      const target = this as object;
      Reflect.defineMetadata(TASK_METADATA_KEY, checked, target, method);
      const names = (Reflect.getOwnMetadata(TASK_LIST_METADATA_KEY, target) as string[] | undefined) ?? [];
      Reflect.defineMetadata(TASK_LIST_METADATA_KEY, [...names, method], target);
    });
    return value;
  };
}

/**
 * Marks a static method as a workflow: ordinary TypeScript that calls tasks. `dag-compile` turns
 * it into a DAG; called directly, it runs sequentially in-process (the reference meaning).
 *
 * @param options - display name and default run timeout.
 * @example
 * ```ts
 * export class WordCount {
 *   @workflow()
 *   static wordcount(chunks: string[]) {
 *     return WordCount.merge(chunks.map((c) => WordCount.count(WordCount.tokenize(c))));
 *   }
 * }
 * ```
 */
export function workflow(options?: WorkflowOptions) {
  return function <F extends AnyFunction>(value: F, context: ClassMethodDecoratorContext): F {
    const method = checkStaticMethod("@workflow", context);
    if (value.length > 1) {
      throw new DecoratorUsageError(
        `@workflow ${method} takes ${value.length} parameters; a workflow takes at most one input ` + `(pass an object to give it several values)`,
      );
    }
    const checked = validateWorkflowOptions(`@workflow on ${method}`, options ?? {});
    context.addInitializer(function (this: unknown) {
      Reflect.defineMetadata(WORKFLOW_METADATA_KEY, checked, this as object, method);
    });
    return value;
  };
}
