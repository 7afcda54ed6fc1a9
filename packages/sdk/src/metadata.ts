import "reflect-metadata";
import type { TaskOptions, WorkflowOptions } from "./options.js";

/** reflect-metadata key of a task method's options (target: the class, property: the method). */
export const TASK_METADATA_KEY = "taskloom:task";
/** reflect-metadata key of a workflow method's options (target: the class, property: the method). */
export const WORKFLOW_METADATA_KEY = "taskloom:workflow";
/** reflect-metadata key listing the names of a class's task methods (target: the class). */
export const TASK_LIST_METADATA_KEY = "taskloom:tasks";

/**
 * Reads the options of a `@task` method, or `undefined` when the method is not a task.
 *
 * @example
 * ```ts
 * getTaskOptions(WordCount, "count"); // { retries: 2 }
 * ```
 */
export function getTaskOptions(target: object, method: string): Readonly<TaskOptions> | undefined {
  return Reflect.getOwnMetadata(TASK_METADATA_KEY, target, method) as TaskOptions | undefined;
}

/** Reads the options of a `@workflow` method, or `undefined` when the method is not a workflow. */
export function getWorkflowOptions(target: object, method: string): Readonly<WorkflowOptions> | undefined {
  return Reflect.getOwnMetadata(WORKFLOW_METADATA_KEY, target, method) as WorkflowOptions | undefined;
}

/** Lists the names of a class's `@task` methods, in declaration order. */
export function getTaskNames(target: object): readonly string[] {
  return (Reflect.getOwnMetadata(TASK_LIST_METADATA_KEY, target) as string[] | undefined) ?? [];
}
