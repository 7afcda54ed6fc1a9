import type { ExecutionContext, ExecutionOutcome, Executor } from "../executor.js";
import { LocalRun } from "./local-run.js";

/**
 * The embedded default executor: one process, piscina worker threads (kept warm between runs,
 * never keeping the process alive), results in memory.
 */
export const localExecutor: Executor = {
  run(ctx: ExecutionContext): Promise<ExecutionOutcome> {
    return new LocalRun(ctx).run();
  },
};
