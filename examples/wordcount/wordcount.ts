import { task, treeReduce, workflow } from "@taskloom/sdk";

/** Word frequencies: word → number of occurrences. */
export type Counts = Record<string, number>;

/**
 * Word count (the earlier system's first example): per chunk, tokenize → count; then the chunk
 * counts are merged pairwise in a tree (`treeReduce`), so the merging runs on every core too, and
 * the merged counts become a record with sorted keys. Chunks are cut at word boundaries by the
 * caller; at least one chunk is needed (a `treeReduce` of nothing fails).
 *
 * Counts travel between tasks as `Map`s: building a record of thousands of keys costs several
 * times more than counting, and a `Map` also crosses threads faster.
 *
 * @example
 * ```ts
 * WordCount.wordcount(["to be or", " not to be"]); // { be: 2, not: 1, or: 1, to: 2 }
 * ```
 */
export class WordCount {
  /** Lower-cases a chunk and returns its words (letters and apostrophes). */
  @task()
  static tokenize(text: string): string[] {
    return text.toLowerCase().match(/[a-z']+/g) ?? [];
  }

  /** Counts the occurrences of each word. */
  @task()
  static count(words: string[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    return counts;
  }

  /** Adds two counts (a new map: the larger one copied, the smaller one added in). */
  @task()
  static merge(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
    const [large, small] = a.size >= b.size ? [a, b] : [b, a];
    const total = new Map(large);
    for (const [word, n] of small) total.set(word, (total.get(word) ?? 0) + n);
    return total;
  }

  /** The counts as a record whose keys are sorted, so the result does not depend on chunk order. */
  @task()
  static toRecord(counts: Map<string, number>): Counts {
    return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** N chunks → N chains tokenize → count → a pairwise merge tree (N − 1 merges) → one record. */
  @workflow()
  static wordcount(chunks: string[]) {
    const counts = chunks.map((c) => WordCount.count(WordCount.tokenize(c)));
    return WordCount.toRecord(treeReduce(counts, WordCount.merge));
  }
}
