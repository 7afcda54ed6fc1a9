/**
 * Taskloom SDK: mark static methods with `@task`, write a `@workflow` as plain TypeScript that
 * calls them, then run `npx dag-compile` and `await handle.run(input)`.
 *
 * @module
 * @example
 * ```ts
 * import { task, workflow, treeReduce } from "@taskloom/sdk";
 *
 * export class Sums {
 *   @task() static square(x: number) { return x * x; }
 *   @task() static add(a: number, b: number) { return a + b; }
 *   @workflow()
 *   static sumOfSquares(xs: number[]) { return treeReduce(xs.map((x) => Sums.square(x)), Sums.add); }
 * }
 * Sums.sumOfSquares([1, 2, 3]); // 14, run directly and sequentially
 * ```
 */
export { task, workflow } from "./decorators.js";
export { treeReduce } from "./tree-reduce.js";
export type { OptimizationSwitches, TaskOptions, WorkflowOptions } from "./options.js";
export { OPTIMIZATION_NAMES, validateOptimizationSwitches, validateTaskOptions, validateWorkflowOptions } from "./options.js";
export { getTaskNames, getTaskOptions, getWorkflowOptions } from "./metadata.js";
export { DecoratorUsageError, InvalidOptionError, TaskloomError, isTaskloomError, TASKLOOM_ERROR_MARKER } from "./errors.js";
