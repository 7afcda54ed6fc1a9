import type { BranchSelect, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { armOf } from "./branch-arm.js";
import { InlineFunctions } from "./inline-functions.js";
import { resolveValue } from "./resolve-value.js";

/**
 * A value that reads no task result (the input, a part of it, an inline step over them): an
 * array and the length it had, or (with `select`) a branch test and the arm it chose.
 */
export type ShapeRead = readonly [value: Value, length: number, select?: BranchSelect, arms?: number];

interface Shape<T> {
  workflow: WorkflowIR;
  reads: readonly ShapeRead[];
  key: string;
  value: T;
  size: number;
}

/**
 * A memo of what a process derives from a workflow's graph (a submission's roots, a worker's
 * replica), by the run's shape.
 *
 * {@link RunGraph} is deterministic and reads the values it expands over only for their length,
 * and branch tests only for the arm they choose, never for their elements: two runs of one
 * workflow whose fan-outs read arrays of the same lengths and whose branches take the same arms
 * build the same instances with the same ids and arguments (arguments name parts of the input,
 * `get input [i]`, never its values). So a graph built for one run serves every later run of the
 * same shape. A hit is checked, not assumed: every array the first build read (`reads`) must have
 * the same length in the new input, every test the same arm, and `key` (what else the build
 * depended on, such as lengths recorded in Redis) must be equal.
 *
 * Memory is bounded: a workflow keeps its `limit` most recently used shapes, and the cache keeps
 * at most `maxSize` task instances in all (a kept graph costs about 1.2 KB per instance, so the
 * default 25,000 is about 30 MB); the least recently used shapes go first, and a shape larger than
 * `maxSize` is never kept.
 *
 * @example
 * ```ts
 * const cache = new ShapeCache<TaskInstance[]>();
 * let roots = cache.get(workflow, input, "");
 * if (!roots) {
 *   const reader = new RecordingReader(input);
 *   roots = new RunGraph(workflow, reader).start();
 *   cache.set(workflow, reader.reads, "", roots, roots.length);
 * }
 * ```
 */
export class ShapeCache<T> {
  private readonly byWorkflow = new Map<WorkflowIR, Shape<T>[]>();
  /** Every kept shape, least recently used first. */
  private readonly recent = new Set<Shape<T>>();
  private total = 0;

  /**
   * @param limit - shapes kept per workflow.
   * @param maxSize - task instances kept in all shapes together.
   */
  constructor(
    readonly limit = 4,
    readonly maxSize = 25_000,
  ) {}

  /** Task instances in the kept shapes. */
  get size(): number {
    return this.total;
  }

  /**
   * The value stored for `workflow` under `key` whose reads have the same lengths (and arms) in
   * `input`; `inline` evaluates the reads that are inline steps.
   */
  get(workflow: WorkflowIR, input: unknown, key: string, inline = InlineFunctions.none): T | undefined {
    const shapes = this.byWorkflow.get(workflow);
    if (!shapes) return undefined;
    for (let i = 0; i < shapes.length; i++) {
      const shape = shapes[i] as Shape<T>;
      if (shape.key !== key || !sameLengths(shape.reads, input, inline)) continue;
      if (i > 0) shapes.unshift(...shapes.splice(i, 1));
      this.recent.delete(shape);
      this.recent.add(shape);
      return shape.value;
    }
    return undefined;
  }

  /**
   * Stores `value` for runs of `workflow` whose build made `reads` and depended on `key`.
   * @param size - task instances in `value` (what it costs to keep).
   */
  set(workflow: WorkflowIR, reads: readonly ShapeRead[], key: string, value: T, size: number): void {
    if (size > this.maxSize) return;
    let shapes = this.byWorkflow.get(workflow);
    if (!shapes) this.byWorkflow.set(workflow, (shapes = []));
    const shape: Shape<T> = { workflow, reads: [...reads], key, value, size };
    shapes.unshift(shape);
    this.recent.add(shape);
    this.total += size;
    while (shapes.length > this.limit) this.drop(shapes[shapes.length - 1] as Shape<T>);
    while (this.total > this.maxSize) this.drop(this.recent.values().next().value as Shape<T>);
  }

  private drop(shape: Shape<T>): void {
    const shapes = this.byWorkflow.get(shape.workflow) ?? [];
    shapes.splice(shapes.indexOf(shape), 1);
    if (shapes.length === 0) this.byWorkflow.delete(shape.workflow);
    this.recent.delete(shape);
    this.total -= shape.size;
  }
}

/** Whether every recorded read gives an array of the recorded length (a test the same arm) in `input`. */
function sameLengths(reads: readonly ShapeRead[], input: unknown, inline: InlineFunctions): boolean {
  for (const [value, length, select, arms] of reads) {
    let actual: unknown;
    try {
      actual = resolveValue(value, input, () => undefined, inline);
      if (select !== undefined) {
        if (armOf(select, arms ?? 2, actual) !== length) return false;
        continue;
      }
    } catch {
      return false;
    }
    if (!Array.isArray(actual) || actual.length !== length) return false;
  }
  return true;
}

/**
 * A graph's value source for values that read no task result (the input, parts of it, literals,
 * inline steps over them): resolves them against `input` and records the length of every array it
 * returns and the arm of every branch test.
 */
export class RecordingReader {
  readonly reads: ShapeRead[] = [];

  constructor(
    private readonly input: unknown,
    private readonly inline = InlineFunctions.none,
  ) {}

  read(value: Value): unknown {
    const actual = resolveValue(value, this.input, () => undefined, this.inline);
    if (Array.isArray(actual)) this.reads.push([value, actual.length]);
    return actual;
  }

  choose(test: Value, select: BranchSelect, arms: number): number {
    const arm = armOf(
      select,
      arms,
      resolveValue(test, this.input, () => undefined, this.inline),
    );
    this.reads.push([test, arm, select, arms]);
    return arm;
  }
}
