import { task, treeReduce, workflow } from "@taskloom/sdk";

/**
 * Workflow bodies with inline expressions (issue #14's benchmarks): S1 with `a + b` written inline
 * instead of an `add` task, and a 10,000-wide map of `x * 2 + 1` over task results, next to the
 * same work done by tasks.
 */
export class BenchBodies {
  @task()
  static leaf(x: number): number {
    return x;
  }

  @task()
  static add(a: number, b: number): number {
    return a + b;
  }

  @task()
  static affine(x: number): number {
    return x * 2 + 1;
  }

  @task()
  static sum(xs: number[]): number {
    let total = 0;
    for (const x of xs) total += x;
    return total;
  }

  /** S1 with an `add` task: 1,024 leaves + 1,023 add tasks. */
  @workflow()
  static treeTasks(xs: number[]) {
    return treeReduce(
      xs.map((x) => BenchBodies.leaf(x)),
      BenchBodies.add,
    );
  }

  /** S1 with `a + b` inline: 1,024 leaves + 1,023 inline steps. */
  @workflow()
  static treeInline(xs: number[]) {
    return treeReduce(
      xs.map((x) => BenchBodies.leaf(x)),
      (a, b) => a + b,
    );
  }

  /** `x * 2 + 1` as a task per element. */
  @workflow()
  static mapTasks(xs: number[]) {
    return BenchBodies.sum(xs.map((x) => BenchBodies.affine(BenchBodies.leaf(x))));
  }

  /** The same map without the expression: the baseline of the inline step's cost per element. */
  @workflow()
  static plainMap(xs: number[]) {
    return BenchBodies.sum(xs.map((x) => BenchBodies.leaf(x)));
  }

  /** `x * 2 + 1` inline per element, over each element's task result. */
  @workflow()
  static mapInline(xs: number[]) {
    return BenchBodies.sum(xs.map((x) => BenchBodies.leaf(x) * 2 + 1));
  }

  /** The input summed by the task alone: the baseline of {@link BenchBodies.mapPure}. */
  @workflow()
  static sumOnly(xs: number[]) {
    return BenchBodies.sum(xs);
  }

  /** `x * 2 + 1` as one inline `.map` over the input (no task in the callback), then the sum task. */
  @workflow()
  static mapPure(xs: number[]) {
    return BenchBodies.sum(xs.map((x) => x * 2 + 1));
  }
}
