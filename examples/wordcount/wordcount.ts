import { task, treeReduce, workflow } from "@taskloom/sdk";

/** Word frequencies: word → number of occurrences. */
export type Counts = Map<string, number>;

/**
 * Word count (the earlier system's first example): per chunk, tokenize → count; then the chunk
 * counts are merged pairwise in a tree (`treeReduce`), so the merging runs on every core too.
 * Chunks are cut at word boundaries by the caller; at least one chunk is needed (a `treeReduce`
 * of nothing fails).
 *
 * Counts are `Map`s, the result too: building a record of thousands of keys costs several times
 * more than counting, and a `Map` also crosses threads faster.
 *
 * @example
 * ```ts
 * WordCount.wordcount(["to be or", " not to be"]); // Map { "to" => 2, "be" => 2, "or" => 1, "not" => 1 }
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
  static count(words: string[]): Counts {
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    return counts;
  }

  /** Adds two counts (a new map: the larger one copied, the smaller one added in). */
  @task()
  static merge(a: Counts, b: Counts): Counts {
    const [large, small] = a.size >= b.size ? [a, b] : [b, a];
    const total = new Map(large);
    for (const [word, n] of small) total.set(word, (total.get(word) ?? 0) + n);
    return total;
  }

  /** N chunks → N chains tokenize → count → a pairwise merge tree (N − 1 merges) → the counts. */
  @workflow()
  static wordcount(chunks: string[]) {
    const counts = chunks.map((c) => WordCount.count(WordCount.tokenize(c)));
    return treeReduce(counts, WordCount.merge);
  }
}
