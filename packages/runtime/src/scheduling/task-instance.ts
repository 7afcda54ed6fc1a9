import type { Value } from "@taskloom/sdk/internal";

/**
 * One call of a task in a run: a task node, instantiated once at top level or once per element of
 * each enclosing map, or one pair of a `treeReduce` level.
 *
 * Instance ids are deterministic, so every process that expands the same graph with the same
 * lengths names instances alike: a top-level node keeps its node id (`n3`); inside maps, each
 * enclosing map adds its element index (`n5[2]`, nested `n7[2][0]`); a reduce pair is
 * `<reduce id>~<level>.<pair><map suffix>` (`r4~1.0`, the first pair of the first level; `r4~1.0[2]`
 * inside element 2 of a map).
 */
export interface TaskInstance {
  /** Deterministic instance id. */
  readonly id: string;
  /** The graph node this instance comes from. */
  readonly nodeId: string;
  /** Stable task id (`file#Class.method`). */
  readonly task: string;
  /**
   * The call's arguments, an `array` value. Concrete: it holds only `literal`, `undefined`,
   * `input`, `get`, `array`, `object` and `node` values, and every `node` names a task instance.
   */
  readonly args: Value;
  /** Ids of the task instances whose results `args` reads (deduplicated). */
  readonly deps: readonly string[];
}
