import { task, workflow } from "@taskloom/sdk";

/** Word frequencies: word → number of occurrences. */
export type Counts = Record<string, number>;

/**
 * Word count (the earlier system's first example): per chunk, tokenize → count; then one fan-in
 * merges every chunk's counts. Chunks are cut at word boundaries by the caller.
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
  static count(words: string[]): Counts {
    const counts = new Map<string, number>();
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
    return Object.fromEntries(counts);
  }

  /** Adds up per-chunk counts; keys come out sorted so the result does not depend on chunk order. */
  @task()
  static merge(parts: Counts[]): Counts {
    const total = new Map<string, number>();
    for (const part of parts) {
      for (const [word, n] of Object.entries(part)) total.set(word, (total.get(word) ?? 0) + n);
    }
    return Object.fromEntries([...total].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** N chunks → N chains tokenize → count → one N-way merge. */
  @workflow()
  static wordcount(chunks: string[]) {
    const counts = chunks.map((c) => WordCount.count(WordCount.tokenize(c)));
    return WordCount.merge(counts);
  }
}
