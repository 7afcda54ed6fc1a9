/** The planners' gateway workload: a CPU-heavy chain of six links beside a fan-out of short sleeps (I/O-like), joined. */
import { task, workflow } from "@taskloom/sdk";

export class Planned {
  /** CPU-bound: 3 million multiply-adds, then its input plus one. */
  @task() static link(seed: number): number {
    let x = 1;
    for (let i = 0; i < 3_000_000; i++) x = (x * 1.000001 + 1) % 1_000_003;
    return seed + 1 + (x < 0 ? 1 : 0);
  }
  /** I/O-like: waits 50 ms, then doubles its input. */
  @task() static wait(x: number): Promise<number> {
    return new Promise((resolve) => setTimeout(() => resolve(x * 2), 50));
  }
  @task() static join(end: number, xs: number[]): number {
    return end + xs.reduce((a, b) => a + b, 0);
  }

  @workflow() static async criticalPath(xs: number[]) {
    const a = Planned.link(0);
    const b = Planned.link(a);
    const c = Planned.link(b);
    const d = Planned.link(c);
    const e = Planned.link(d);
    const f = Planned.link(e);
    const waits = await Promise.all(xs.map((x) => Planned.wait(x)));
    return Planned.join(f, waits);
  }
}
