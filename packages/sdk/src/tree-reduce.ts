import { TaskloomError } from "./errors.js";

/**
 * Reduces `items` pairwise in a balanced tree: level by level, items `2k` and `2k+1` are combined,
 * an odd last item moves up unchanged. In a compiled workflow every combine is a task and each
 * level runs in parallel; called directly it runs sequentially with exactly the same pairing, so
 * both give the same result even for a non-associative `combine` (e.g. floating-point sums).
 *
 * @param items - at least one item.
 * @param combine - usually a `@task` method; may return a Promise.
 * @throws TaskloomError `TL_EMPTY_REDUCE` when `items` is empty.
 * @example
 * ```ts
 * @workflow() static total(xs: number[]) { return treeReduce(xs, Math2.add); }
 * ```
 */
export function treeReduce<T>(items: readonly T[], combine: (a: T, b: T) => T): T;
export function treeReduce<T>(items: readonly T[], combine: (a: T, b: T) => Promise<T>): Promise<T>;
export function treeReduce<T>(items: readonly T[], combine: (a: T, b: T) => T | Promise<T>): T | Promise<T> {
  if (items.length === 0) {
    throw new TaskloomError("TL_EMPTY_REDUCE", "treeReduce needs at least one item, got an empty array");
  }
  let level: (T | Promise<T>)[] = [...items];
  let isAsync = false;
  while (level.length > 1) {
    const next: (T | Promise<T>)[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      const a = level[i] as T | Promise<T>;
      const b = level[i + 1] as T | Promise<T>;
      const combined = isAsync ? Promise.all([a, b]).then(([x, y]) => combine(x, y)) : combine(a as T, b as T);
      if (!isAsync && isThenable(combined)) isAsync = true;
      next.push(combined);
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as T | Promise<T>);
    if (isAsync) level = next.map((v) => Promise.resolve(v));
    else level = next;
  }
  return level[0] as T | Promise<T>;
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
