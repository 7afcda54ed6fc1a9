import { task, workflow } from "@taskloom/sdk";

/**
 * Fan-outs and fan-ins (the earlier system's `fanoutsfanins` test): three roots `a` → a 3-way
 * fan-in `b` → a fan-out to three `c` → a 3-way fan-in `b` → `c`. The answer is 18,766,224:
 * a = 6 + 12 + 20, b = 38, c = 38² = 1,444, b = 3 × 1,444 = 4,332, c = 4,332².
 *
 * @example
 * ```ts
 * FanOutFanIn.fanoutFanin(); // 18766224
 * ```
 */
export class FanOutFanIn {
  /** Multiplies two numbers. */
  @task()
  static a(x: number, y: number): number {
    return x * y;
  }

  /** Sums a list of numbers (a fan-in). */
  @task()
  static b(values: number[]): number {
    let sum = 0;
    for (const v of values) sum += v;
    return sum;
  }

  /** Squares a number. */
  @task()
  static c(x: number): number {
    return x * x;
  }

  /** 3 → 1 → 3 → 1 → 1: nine tasks, no input. */
  @workflow()
  static fanoutFanin() {
    const b1 = FanOutFanIn.b([FanOutFanIn.a(2, 3), FanOutFanIn.a(3, 4), FanOutFanIn.a(4, 5)]);
    const c1 = FanOutFanIn.c(b1);
    const c2 = FanOutFanIn.c(b1);
    const c3 = FanOutFanIn.c(b1);
    const b2 = FanOutFanIn.b([c1, c2, c3]);
    return FanOutFanIn.c(b2);
  }
}
