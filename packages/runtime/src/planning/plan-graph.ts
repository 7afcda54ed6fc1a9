import type { BranchSelect, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { estimateBytes } from "../codec/estimate-bytes.js";
import { armOf } from "../scheduling/branch-arm.js";
import { InlineFunctions } from "../scheduling/inline-functions.js";
import { resolveValue } from "../scheduling/resolve-value.js";
import { RunGraph } from "../scheduling/run-graph.js";
import { refList } from "../scheduling/value-ops.js";

/**
 * A run's task instances as planners see them, before it starts: indexed 0 … n−1 in a topological
 * order, with dependencies by index. Fan-outs whose length is only known at run time are expanded
 * with the lengths predicted from the history ({@link PlanGraph.predicted} counts those instances).
 */
export interface PlanGraph {
  readonly size: number;
  readonly ids: readonly string[];
  readonly nodeIds: readonly string[];
  readonly tasks: readonly string[];
  /** Dependencies of each instance (indices of instances before it). */
  readonly deps: readonly (readonly number[])[];
  /** Dependents of each instance, in the order the scheduler lists them. */
  readonly dependents: readonly (readonly number[])[];
  /** Estimated bytes of each instance's arguments that do not come from other tasks (the input's parts, literals). */
  readonly staticBytes: Float64Array;
  /** Instances whose output the client reads (the workflow's result). */
  readonly results: ReadonlySet<number>;
  /** Instances that exist only under predicted fan-out lengths or branch decisions. */
  readonly predicted: number;
}

/** Normalized key of a fan-out's array (or a branch's test): its value with instance suffixes dropped. */
export function fanOutKey(value: Value): string {
  return JSON.stringify(value, (key, v) => (key === "node" && typeof v === "string" ? v.replace(/[~[].*$/, "") : v));
}

/** The key of a normalized fan-out key of a recorded length (a replica's `lengthKey`: the value's JSON); `?` marks branch decisions. */
export function normalizeLengthKey(key: string): string {
  const decision = key.startsWith("?");
  try {
    const normalized = fanOutKey(JSON.parse(decision ? key.slice(1) : key) as Value);
    return decision ? `?${normalized}` : normalized;
  } catch {
    return key;
  }
}

/** What {@link buildPlanGraph} needs beside the workflow and its input. */
export interface PlanGraphOptions {
  /** Predicted length of a fan-out over a task's result (by {@link fanOutKey}); default 1. */
  length?: (key: string) => number | undefined;
  /** Predicted arm of a branch whose test reads a task's result (by `?` + {@link fanOutKey}); default 0. */
  arm?: (key: string) => number | undefined;
  /** The bundle's inline steps, when the client has them (else a length over one is predicted too). */
  inline?: InlineFunctions;
}

/**
 * Builds the plan graph of a run of `workflow` on `input` by driving the pure scheduler to the end
 * with predicted values: lengths of arrays that only tasks produce come from `options.length`.
 * Deterministic: the same inputs give the same instance ids and order.
 * @example
 * ```ts
 * const g = buildPlanGraph(workflow, input, { length: (k) => history.lengths[k]?.at(-1) });
 * ```
 */
export function buildPlanGraph(workflow: WorkflowIR, input: unknown, options: PlanGraphOptions = {}): PlanGraph {
  const inline = options.inline ?? InlineFunctions.none;
  let guessed = false;
  const staticValue = (value: Value): { ok: true; value: unknown } | { ok: false } => {
    if (refList(value).length > 0) return { ok: false };
    try {
      return { ok: true, value: resolveValue(value, input, () => undefined, inline) };
    } catch {
      return { ok: false };
    }
  };
  const graph = new RunGraph(workflow, {
    read(value) {
      const known = staticValue(value);
      if (known.ok && Array.isArray(known.value)) return known.value;
      guessed = true;
      return Array.from({ length: Math.max(0, Math.round(options.length?.(fanOutKey(value)) ?? 1)) });
    },
    choose(test: Value, select: BranchSelect, arms: number) {
      const known = staticValue(test);
      if (known.ok) return armOf(select, arms, known.value);
      guessed = true;
      const arm = options.arm?.(`?${fanOutKey(test)}`) ?? 0;
      return Number.isInteger(arm) && arm >= 0 && arm < arms ? arm : 0;
    },
  });
  const ids: string[] = [];
  const nodeIds: string[] = [];
  const tasks: string[] = [];
  const deps: number[][] = [];
  const args: Value[] = [];
  const index = new Map<string, number>();
  let predicted = 0;
  const add = (list: readonly { id: string; nodeId: string; task: string; deps: readonly string[]; args: Value }[]): void => {
    for (const inst of list) {
      index.set(inst.id, ids.length);
      ids.push(inst.id);
      nodeIds.push(inst.nodeId);
      tasks.push(inst.task);
      args.push(inst.args);
      deps.push(inst.deps.map((d) => index.get(d)!));
    }
  };
  let frontier = graph.start();
  add(frontier);
  // Completing in index order keeps the order topological: an instance is listed once ready.
  for (let i = 0; i < ids.length; i++) {
    guessed = false;
    const before = graph.knownCount;
    const ready = graph.complete(ids[i]!);
    if (guessed) predicted += graph.knownCount - before;
    add(ready);
    frontier = ready;
  }
  const dependents: number[][] = ids.map(() => []);
  deps.forEach((ds, i) => {
    for (const d of ds) dependents[d]!.push(i);
  });
  const staticBytes = new Float64Array(ids.length);
  args.forEach((a, i) => {
    try {
      staticBytes[i] = estimateBytes(resolveValue(a, input, () => undefined, inline));
    } catch {
      staticBytes[i] = 0;
    }
  });
  const results = new Set<number>();
  if (graph.done) for (const r of refList(graph.result())) if (index.has(r)) results.add(index.get(r)!);
  return { size: ids.length, ids, nodeIds, tasks, deps, dependents, staticBytes, results, predicted };
}

/** What {@link planGraphOf} takes beside the tasks and their dependencies. */
export interface PlanGraphParts {
  /** Instance ids (default `n0`, `n1`, …); also the node ids unless `nodeIds` is given. */
  ids?: readonly string[];
  nodeIds?: readonly string[];
  /** Instances whose output the client reads (default: the last one). */
  results?: readonly number[];
  /** Bytes of each instance's arguments not made by tasks (default 0). */
  staticBytes?: readonly number[];
}

/**
 * A plan graph from plain lists (for user planners' tests, benchmarks, and drawings of made-up
 * graphs): `deps[i]` lists the indices of instance `i`'s dependencies, all below `i`.
 * @example
 * ```ts
 * const g = planGraphOf(["load", "load", "join"], [[], [], [0, 1]]); // two roots joined by n2
 * ```
 */
export function planGraphOf(tasks: readonly string[], deps: readonly (readonly number[])[], parts: PlanGraphParts = {}): PlanGraph {
  if (deps.length !== tasks.length) throw new RangeError(`planGraphOf: ${tasks.length} tasks but ${deps.length} dependency lists`);
  const dependents: number[][] = tasks.map(() => []);
  deps.forEach((ds, i) => {
    for (const d of ds) {
      if (!(Number.isInteger(d) && d >= 0 && d < i)) throw new RangeError(`planGraphOf: dependency ${d} of instance ${i} must be an index below ${i}`);
      dependents[d]!.push(i);
    }
  });
  const ids = parts.ids ?? tasks.map((_, i) => `n${i}`);
  return {
    size: tasks.length,
    ids,
    nodeIds: parts.nodeIds ?? ids,
    tasks,
    deps,
    dependents,
    staticBytes: Float64Array.from(parts.staticBytes ?? tasks.map(() => 0)),
    results: new Set(parts.results ?? (tasks.length > 0 ? [tasks.length - 1] : [])),
    predicted: 0,
  };
}
