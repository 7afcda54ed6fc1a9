import type { ExecutionContext, ExecutionOutcome, Executor } from "../executor.js";
import { LocalRun } from "./local-run.js";
import { streamWorkflow } from "../../scheduling/stream-edges.js";

/**
 * The embedded default executor: one process, piscina worker threads (kept warm between runs,
 * never keeping the process alive), results in memory.
 */
export const localExecutor: Executor = {
  run(ctx: ExecutionContext): Promise<ExecutionOutcome> {
    // Streaming readers start with their producers: the run schedules the rewritten graph.
    return new LocalRun({ ...ctx, workflow: streamWorkflow(ctx.workflow, ctx.manifest).workflow }).run();
  },
};
