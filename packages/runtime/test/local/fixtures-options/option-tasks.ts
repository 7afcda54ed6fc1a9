import { task, workflow } from "@taskloom/sdk";
import { threadOnly } from "./thread-only.js";

const SLOW_MS = 40;

/** Tasks whose options the runtime reads from the manifest (their bundle refuses the main thread). */
export class Opt {
  @task({ name: "doubler" })
  static double(x: number): number {
    return threadOnly ? 2 * x : 0;
  }

  @task({ timeoutMs: SLOW_MS / 2 })
  static slow(ms: number): Promise<number> {
    return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
  }

  @workflow()
  static doubled(x: number) {
    return Opt.double(x);
  }

  @workflow({ timeoutMs: 5_000 })
  static sleepy(ms: number) {
    return Opt.slow(ms);
  }
}
