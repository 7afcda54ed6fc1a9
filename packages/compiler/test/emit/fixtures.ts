/**
 * A small wordcount module, as a user writes it (4 nodes). `marker` changes the task code (and its
 * bundle); `mergeTwice` adds a fifth node to the workflow.
 */
export function wordcountSource(marker = "v1", mergeTwice = false): string {
  const result = mergeTwice ? "WordCount.merge([WordCount.merge(counts)])" : "WordCount.merge(counts)";
  return `import { task, workflow } from "@taskloom/sdk";

export class WordCount {
  @task()
  static tokenize(text: string): string[] {
    return (text.toLowerCase().match(/[a-z']+/g) ?? []).filter((w) => w !== "${marker}");
  }

  @task({ retries: 1 })
  static count(words: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const w of words) counts[w] = (counts[w] ?? 0) + 1;
    return counts;
  }

  @task()
  static merge(parts: Record<string, number>[]): Record<string, number> {
    const total: Record<string, number> = {};
    for (const p of parts) for (const [w, n] of Object.entries(p)) total[w] = (total[w] ?? 0) + n;
    return total;
  }

  @workflow()
  static wordcount(chunks: string[]) {
    const counts = chunks.map((c) => WordCount.count(WordCount.tokenize(c)));
    return ${result};
  }
}
`;
}

/** A module whose workflow uses an operator the analysis must reject (on line 9). */
export const BAD_SOURCE = `import { task, workflow } from "@taskloom/sdk";

export class Bad {
  @task()
  static double(x: number): number { return 2 * x; }

  @workflow()
  static twice(x: number) {
    return Bad.double(x) + Math.random();
  }
}
`;

/** A helper module without any workflow. */
export const HELPER_SOURCE = `export function helper(x: number): number { return x + 1; }\n`;

/** A module with a chain of `length` task calls (a `length`-node workflow). */
export function chainSource(length: number): string {
  const lines = ["  @workflow()", "  static chain(x: number) {", "    const a0 = Chain.step(x);"];
  for (let i = 1; i < length; i++) lines.push(`    const a${i} = Chain.step(a${i - 1});`);
  lines.push(`    return a${length - 1};`, "  }");
  return `import { task, workflow } from "@taskloom/sdk";

export class Chain {
  @task()
  static step(x: number): number { return x + "THE_STEP_BODY".length; }

${lines.join("\n")}
}
`;
}
