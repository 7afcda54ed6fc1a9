import { describe, expect, it } from "vitest";
import { sliceTextInto } from "../common/chunk-text.js";
import { makeText } from "../common/make-text.js";
import { TextAnalysis } from "./text-analysis.js";

describe("text-analysis example", () => {
  const text = makeText(400_000, 3);
  const slices = sliceTextInto(text, 32);

  it("cuts the text into 32 slices that cover it", () => {
    expect(slices).toHaveLength(32);
    expect(slices.map((s) => text.slice(s.start, s.end)).join("")).toBe(text);
  });

  it("reports the text's statistics from 16 segments", () => {
    const report = TextAnalysis.textAnalysis({ text, slices });
    const allWords = text.toLowerCase().match(/[a-z']+/g) ?? [];
    expect(report.segments).toBe(16);
    expect(report.summary).toContain(`${allWords.length} words (${new Set(allWords).size} distinct)`);
    expect(report.sentencesPerSegment.reduce((a, b) => a + b, 0)).toBe((text.match(/[.!?]+/g) ?? []).length);
    expect(Object.keys(report.overall).sort()).toEqual(["keywords", "punctuation", "sentences", "vocabulary"]);
    expect(report.overall.punctuation?.commas).toBe((text.match(/,/g) ?? []).length);
    expect(report.metrics.segmentBalance).toBeGreaterThan(0.5);
  });

  it("does not depend on how the text is sliced for the counting roots", () => {
    const other = TextAnalysis.textAnalysis({ text, slices: sliceTextInto(text, 5) });
    expect(other).toEqual(TextAnalysis.textAnalysis({ text, slices }));
  });
});
