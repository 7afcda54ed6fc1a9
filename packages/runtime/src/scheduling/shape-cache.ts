import type { Value, WorkflowIR } from "@taskloom/sdk/internal";
import { resolveValue } from "./resolve-value.js";

/** An array value that reads no task result (the input or a part of it), and the length it had. */
export type ShapeRead = readonly [value: Value, length: number];

interface Shape<T> {
  reads: readonly ShapeRead[];
  key: string;
  value: T;
}

/**
 * A memo of what a process derives from a workflow's graph (a submission's roots, a worker's
 * replica), by the run's shape.
 *
 * {@link RunGraph} is deterministic and reads the values it expands over only for their length,
 * never for their elements: two runs of one workflow whose fan-outs read arrays of the same
 * lengths build the same instances with the same ids and arguments (arguments name parts of the
 * input, `get input [i]`, never its values). So a graph built for one run serves every later run
 * of the same shape. A hit is checked, not assumed: every array the first build read (`reads`)
 * must have the same length in the new input, and `key` (what else the build depended on, such
 * as lengths recorded in Redis) must be equal.
 *
 * A workflow keeps its {@link ShapeCache.limit} most recently used shapes; entries go with the
 * workflow object (a WeakMap), so a process that forgets a manifest forgets its shapes too.
 *
 * @example
 * ```ts
 * const cache = new ShapeCache<TaskInstance[]>();
 * let roots = cache.get(workflow, input, "");
 * if (!roots) {
 *   const reader = new RecordingReader(input);
 *   roots = new RunGraph(workflow, reader).start();
 *   cache.set(workflow, reader.reads, "", roots);
 * }
 * ```
 */
export class ShapeCache<T> {
  private readonly byWorkflow = new WeakMap<WorkflowIR, Shape<T>[]>();

  /** @param limit - shapes kept per workflow (least recently used go first). */
  constructor(readonly limit = 4) {}

  /** The value stored for `workflow` under `key` whose reads have the same lengths in `input`. */
  get(workflow: WorkflowIR, input: unknown, key: string): T | undefined {
    const shapes = this.byWorkflow.get(workflow);
    if (!shapes) return undefined;
    for (let i = 0; i < shapes.length; i++) {
      const shape = shapes[i] as Shape<T>;
      if (shape.key !== key || !sameLengths(shape.reads, input)) continue;
      if (i > 0) shapes.unshift(...shapes.splice(i, 1));
      return shape.value;
    }
    return undefined;
  }

  /** Stores `value` for runs of `workflow` whose build made `reads` and depended on `key`. */
  set(workflow: WorkflowIR, reads: readonly ShapeRead[], key: string, value: T): void {
    let shapes = this.byWorkflow.get(workflow);
    if (!shapes) this.byWorkflow.set(workflow, (shapes = []));
    shapes.unshift({ reads: [...reads], key, value });
    if (shapes.length > this.limit) shapes.length = this.limit;
  }
}

/** Whether every recorded read gives an array of the recorded length in `input`. */
function sameLengths(reads: readonly ShapeRead[], input: unknown): boolean {
  for (const [value, length] of reads) {
    let actual: unknown;
    try {
      actual = resolveValue(value, input, () => undefined);
    } catch {
      return false;
    }
    if (!Array.isArray(actual) || actual.length !== length) return false;
  }
  return true;
}

/**
 * A graph's value source for values that read no task result (the input, parts of it, literals):
 * resolves them against `input` and records the length of every array it returns.
 */
export class RecordingReader {
  readonly reads: ShapeRead[] = [];

  constructor(private readonly input: unknown) {}

  read(value: Value): unknown {
    const actual = resolveValue(value, this.input, () => undefined);
    if (Array.isArray(actual)) this.reads.push([value, actual.length]);
    return actual;
  }
}
