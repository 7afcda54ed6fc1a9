import { task, workflow } from "@taskloom/sdk";

/** Tasks for the replay-gap test: a fan-out whose callback ignores its element. */
export class Replay {
  @task() static range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i);
  }
  @task() static base(x: number): number {
    return x + 1;
  }
  @task() static slow(c: number): Promise<number> {
    return new Promise((r) => setTimeout(() => r(c), 400));
  }
  @task() static total(xs: number[]): number {
    return xs.reduce((a, b) => a + b, 0);
  }

  /** `xs.map(() => f(c))`: the instances the expansion creates read `c`, never `xs`'s producer. */
  @workflow() static ignoring(n: number) {
    const c = Replay.base(n);
    return Replay.total(Replay.range(n).map(() => Replay.slow(c)));
  }
  /** The same with no input at all: the created instances depend on nothing. */
  @workflow() static constant(n: number) {
    return Replay.total(Replay.range(n).map(() => Replay.slow(2)));
  }
}
