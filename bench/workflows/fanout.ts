import { task, workflow } from "@taskloom/sdk";

/** S2: one tiny task per input (10,000 in the benchmark), then one sum over all results. */
export class BenchFanout {
  @task()
  static tiny(x: number): number {
    return x;
  }

  @task()
  static sum(xs: number[]): number {
    let total = 0;
    for (const x of xs) total += x;
    return total;
  }

  @workflow()
  static benchFanout(xs: number[]) {
    return BenchFanout.sum(xs.map((x) => BenchFanout.tiny(x)));
  }
}
