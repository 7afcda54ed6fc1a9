import { task, treeReduce, workflow } from "@taskloom/sdk";

/**
 * Tree reduction (the earlier system's `add` test): a balanced pairwise sum. Over `0..1023` it is
 * 1,023 `add` tasks in 10 levels and gives 523,776; over `0..2047`, 2,047 tasks and 2,096,128.
 *
 * @example
 * ```ts
 * Add.treeReduction([1, 2, 3, 4]); // 10
 * ```
 */
export class Add {
  /** A leaf task: returns its number (stands for "produce one value"). */
  @task()
  static leaf(x: number): number {
    return x;
  }

  /** Adds two numbers. */
  @task()
  static add(a: number, b: number): number {
    return a + b;
  }

  /** Pairwise sum of the input numbers: n − 1 `add` tasks. */
  @workflow()
  static treeReduction(xs: number[]) {
    return treeReduce(xs, Add.add);
  }

  /** One `leaf` task per number, then the pairwise sum: 2n − 1 tasks (the S1 benchmark shape). */
  @workflow()
  static leafTreeReduction(xs: number[]) {
    return treeReduce(
      xs.map((x) => Add.leaf(x)),
      Add.add,
    );
  }
}
