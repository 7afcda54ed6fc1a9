import type { WorkflowIR } from "@taskloom/sdk/internal";
import { GraphReplica } from "../scheduling/graph-replica.js";
import { resolveValue } from "../scheduling/resolve-value.js";

/** A task instance's call arguments as the inspector shows them, or why they are not shown. */
export type TaskArguments = { value: unknown[] } | { note: string };

/**
 * The call arguments of `instanceId`, worked out as the schedulers do (a graph replica of the
 * compiled workflow over the run's input and the fan-out lengths recorded so far), without running
 * any task or inline step: what the run's input and constants give them, with each other task's
 * output standing as `{ "output of": "<instance id>" }` (the inspector's inputs list has those).
 * @example
 * ```ts
 * argumentsOf(workflow, [10, 20, 30], new Map(), "n2[1]"); // { value: [20] } for xs.map((x) => f(x))
 * ```
 */
export function argumentsOf(workflow: WorkflowIR, input: unknown, lengths: Map<string, number>, instanceId: string): TaskArguments {
  try {
    const instance = new GraphReplica(workflow, input, new Map(lengths)).instance(instanceId);
    if (!instance) return { note: "not known yet: the instance comes from a fan-out whose length is not recorded" };
    return { value: resolveValue(instance.args, input, (id) => ({ "output of": id })) as unknown[] };
  } catch (error) {
    // An inline step (run in the workers' bundle, never here) or a read of a task's output decides them.
    return { note: `not worked out by the dashboard: ${(error as Error).message}` };
  }
}
