import type { GraphBody, GraphNode, Value } from "@taskloom/sdk/internal";
import type { TaskInstance } from "./task-instance.js";
import type { Scope } from "./value-ops.js";

// The entries a RunGraph keeps per task instance and virtual instance (a map's, reduce's, inline
// step's or branch's result), and helpers over the graph's bodies it expands.

/** The nodes an entry stands for: graph nodes, or the pairs of a `treeReduce` by a task. */
export type EntryNode = GraphNode;

export type EntryState = "expanding" | "waiting" | "ready" | "complete";

/** An entry waiting for another, and the state it waited in. */
export interface Waiter {
  readonly entry: Entry;
  readonly state: EntryState;
}

/**
 * A waiter, or (with {@link RunGraphOptions.lateReaders}) an entry created after the one it reads
 * completed: listed as a dependent, never counted (a complete entry never completes again).
 */
export type Reader = Waiter | Entry;

export const NO_WAITERS: readonly Reader[] = [];

export function readerEntry(r: Reader): Entry {
  return "entry" in r ? r.entry : r;
}

/** A task instance, or a virtual instance standing for a map's or reduce's result. */
export interface Entry {
  readonly id: string;
  readonly node: EntryNode;
  state: EntryState;
  /**
   * Task: its arguments. Virtual: the array (map), root (reduce), `call` value (inline) or taken
   * arm's result (branch), once expanded.
   */
  value: Value | undefined;
  /** Virtual, while expanding: the array it expands over (a branch: its test), and the scope it expands in. */
  over: Value | undefined;
  scope: Scope | undefined;
  /** Incomplete entries this one waits for in its current state. */
  pending: number;
  /**
   * Entries to notify when this one completes, with the state they waited in; `undefined` until the
   * first (then an array of exactly one: `[]` and a push would reserve 17 slots per instance).
   */
  waiters: Reader[] | undefined;
  /** Virtual entries that wait for this one's structure (an expanded map) to expand themselves. */
  structureWaiters: Entry[] | undefined;
  /** Task: its instance, once its arguments only read task instances (they no longer change). */
  instance: TaskInstance | undefined;
}

/** A `treeReduce` by an inline function: the same pairing as by a task, as nested `call` values. */
export function inlineTree(fn: string, args: Value[], items: Value[]): Value {
  let level = items;
  while (level.length > 1) {
    const next: Value[] = [];
    for (let k = 0; k + 1 < level.length; k += 2) next.push({ kind: "call", fn, args: [level[k] as Value, level[k + 1] as Value, ...args] });
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Value);
    level = next;
  }
  return level[0] as Value;
}

const bodyPositions = new WeakMap<GraphBody, Map<string, number>>();

/** Node id → position in `body.nodes`, computed once per body. */
export function positionsOf(body: GraphBody): Map<string, number> {
  let positions = bodyPositions.get(body);
  if (!positions) {
    positions = new Map(body.nodes.map((n, i) => [n.id, i]));
    bodyPositions.set(body, positions);
  }
  return positions;
}

/** A task of a branch arm that was not taken. */
export interface SkippedTask {
  /**
   * The instance id it would have had; inside a map of the untaken arm, whose length is unknown,
   * `[*]` stands for every element (`n5[*]`); a `treeReduce` by a task is `r4~*`.
   */
  id: string;
  nodeId: string;
  task: string;
  /** The branch instance that took another arm (`b3`, `b3[2]` inside a map). */
  branch: string;
}

/** Adds the task nodes of an arm not taken (nested maps, reduces and branches included) to `out`. */
export function skippedTasks(body: GraphBody, suffix: string, branch: string, out: SkippedTask[]): void {
  for (const node of body.nodes) {
    if (node.kind === "task") out.push({ id: node.id + suffix, nodeId: node.id, task: node.task, branch });
    else if (node.kind === "map") skippedTasks(node.body, `${suffix}[*]`, branch, out);
    else if (node.kind === "reduce" && node.task !== undefined) out.push({ id: `${node.id}~*${suffix}`, nodeId: node.id, task: node.task, branch });
    else if (node.kind === "branch") for (const arm of node.arms) skippedTasks(arm, suffix, branch, out);
  }
}
