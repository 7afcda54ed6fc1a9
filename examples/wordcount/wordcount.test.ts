import { describe, expect, it } from "vitest";
import { chunkTextInto } from "../common/chunk-text.js";
import { makeText } from "../common/make-text.js";
import { WordCount } from "./wordcount.js";

/** An independent sequential word count: one regex pass over the whole text. */
function countWhole(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.toLowerCase().matchAll(/[a-z']+/g)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return counts;
}

describe("wordcount example", () => {
  it("counts a small text exactly", () => {
    expect(WordCount.wordcount(["To be, or", " not to be: that", " is the question."])).toEqual(
      new Map(Object.entries({ be: 2, is: 1, not: 1, or: 1, question: 1, that: 1, the: 1, to: 2 })),
    );
  });

  it("gives the same counts as one pass over the whole 5 MB text", () => {
    const text = makeText(5_000_000, 1);
    expect(text.length).toBe(5_000_000);
    const chunks = chunkTextInto(text, 64);
    expect(chunks).toHaveLength(64);
    expect(chunks.join("")).toBe(text);
    const counts = WordCount.wordcount(chunks);
    expect(counts).toEqual(countWhole(text));
    expect(counts.size).toBeGreaterThan(10_000);
  });

  it("makes the same text for the same seed and a different one for another seed", () => {
    expect(makeText(10_000, 7)).toBe(makeText(10_000, 7));
    expect(makeText(10_000, 7)).not.toBe(makeText(10_000, 8));
  });
});
