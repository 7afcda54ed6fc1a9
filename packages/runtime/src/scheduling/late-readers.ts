import type { Value } from "@taskloom/sdk/internal";
import type { TaskInstance } from "./task-instance.js";
import { collectRefs } from "./value-ops.js";

/**
 * The readers an array's source gets from its own expansion. RunGraph lists as dependents of an
 * instance the instances that waited for it; the instances a fan-out creates once its source is
 * complete (`range(n).map(f)`: every `f[i]` reads `range`'s output) never wait for it, so
 * `dependents` misses them. A source completed again (a redelivery after its worker died) must
 * name them, or the chains it had continued with them are lost with that worker.
 *
 * Only sources whose array length (or branch decision) is recorded have such readers; the index over the known
 * instances is built on the first question about one of them (once per graph).
 *
 * @example
 * ```ts
 * new LateReaders(known, lengths).of("n1"); // [n2[0], n2[1], …] once n1's length is recorded
 * ```
 */
export class LateReaders {
  private sources: Set<string> | undefined;
  private index: Map<string, TaskInstance[]> | undefined;

  /**
   * @param known - every instance the replica's simulation reached, by id
   * @param lengths - recorded lengths (array key → length), keys being the arrays' values as JSON
   */
  constructor(
    private readonly known: ReadonlyMap<string, TaskInstance>,
    private readonly lengths: ReadonlyMap<string, number>,
  ) {}

  /** Known instances reading `id`'s output directly, when `id` feeds a recorded length; else none. */
  of(id: string): readonly TaskInstance[] {
    this.sources ??= sourcesOf(this.lengths);
    if (!this.sources.has(id)) return [];
    if (!this.index) {
      const index = new Map<string, TaskInstance[]>();
      for (const inst of this.known.values()) {
        for (const x of new Set(inst.deps)) {
          if (!this.sources.has(x)) continue;
          const list = index.get(x);
          if (list) list.push(inst);
          else index.set(x, [inst]);
        }
      }
      this.index = index;
    }
    return this.index.get(id) ?? [];
  }
}

/** Instance ids the recorded arrays are read from. */
function sourcesOf(lengths: ReadonlyMap<string, number>): Set<string> {
  const out = new Set<string>();
  for (const key of lengths.keys()) refsOfKey(key, out);
  return out;
}

/** The instance ids a recorded length's (or branch decision's) key reads, added to `out`. */
export function refsOfKey(key: string, out: Set<string>): Set<string> {
  // An arm's key is its test's JSON after a `?` (see armKey).
  return collectRefs(JSON.parse(key.charCodeAt(0) === 63 ? key.slice(1) : key) as Value, out);
}
