import { task, workflow } from "@taskloom/sdk";

/** Word frequencies. */
export type Counts = Record<string, number>;
/** The workflow input: one text and the `[start, end)` slices that the 32 roots count. */
export interface TextAnalysisInput {
  text: string;
  slices: { start: number; end: number }[];
}
/** A contiguous part of the text, cut at a sentence end, with the text's top keywords. */
export interface Segment {
  index: number;
  text: string;
  keywords: string[];
}
/** Whole-text figures computed once from the text and the merged counts. */
export interface TextStatistics {
  characters: number;
  words: number;
  uniqueWords: number;
  sentences: number;
  paragraphs: number;
  averageWordLength: number;
  topWords: [string, number][];
}
/** Per-segment figures. */
export interface SegmentAnalysis {
  index: number;
  words: number;
  sentences: number;
  longestWord: string;
  keywordHits: number;
}
/** Segment analyses plus the four whole-text profiles. */
export interface CombinedAnalysis {
  segments: SegmentAnalysis[];
  overall: Record<"vocabulary" | "sentences" | "punctuation" | "keywords", Record<string, number>>;
}

const WORD = /[a-z']+/g;
const SEGMENTS = 16;

function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}
function sentenceCount(text: string): number {
  return (text.match(/[.!?]+/g) ?? []).length;
}
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Text analysis (the earlier system's 59-task HEAD example): 32 word-count roots over slices of one
 * text → merge → segments and statistics → 16 segment analyses + 4 whole-text profiles → merge →
 * metrics and summary → one final report.
 */
export class TextAnalysis {
  @task() static wordCountChunk(text: string, slice: { start: number; end: number }): Counts {
    const counts = new Map<string, number>();
    for (const w of words(text.slice(slice.start, slice.end))) counts.set(w, (counts.get(w) ?? 0) + 1);
    return Object.fromEntries(counts);
  }

  @task() static mergeWordCounts(parts: Counts[]): Counts {
    const total = new Map<string, number>();
    for (const part of parts) for (const [w, n] of Object.entries(part)) total.set(w, (total.get(w) ?? 0) + n);
    return Object.fromEntries([...total].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Cuts the text into 16 segments at sentence ends; each carries the 10 top words longer than 3 letters. */
  @task() static createTextSegments(text: string, counts: Counts): Segment[] {
    const keywords = Object.entries(counts)
      .filter(([w]) => w.length > 3)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([w]) => w);
    const segments: Segment[] = [];
    let start = 0;
    for (let i = 1; i <= SEGMENTS; i++) {
      let end = i === SEGMENTS ? text.length : Math.max(start, Math.round((i * text.length) / SEGMENTS));
      while (end < text.length && !/[.!?]/.test(text.charAt(end - 1))) end++;
      segments.push({ index: i - 1, text: text.slice(start, end), keywords });
      start = end;
    }
    return segments;
  }

  @task() static computeTextStatistics(text: string, counts: Counts): TextStatistics {
    const entries = Object.entries(counts);
    const total = entries.reduce((s, [, n]) => s + n, 0);
    const letters = entries.reduce((s, [w, n]) => s + w.length * n, 0);
    return {
      characters: text.length,
      words: total,
      uniqueWords: entries.length,
      sentences: sentenceCount(text),
      paragraphs: text.split(/\n\s*\n/).filter((p) => p.trim() !== "").length,
      averageWordLength: round(letters / Math.max(total, 1)),
      topWords: entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10),
    };
  }

  @task() static analyzeSegment(segment: Segment, index: number): SegmentAnalysis {
    const ws = words(segment.text);
    const keywords = new Set(segment.keywords);
    const longestWord = ws.reduce((best, w) => (w.length > best.length ? w : best), "");
    return { index, words: ws.length, sentences: sentenceCount(segment.text), longestWord, keywordHits: ws.filter((w) => keywords.has(w)).length };
  }

  @task() static vocabularyProfile(segments: Segment[], stats: TextStatistics): Record<string, number> {
    const perSegment = segments.map((s) => new Set(words(s.text)).size);
    return {
      typeTokenRatio: round(stats.uniqueWords / Math.max(stats.words, 1)),
      meanUniquePerSegment: round(perSegment.reduce((a, b) => a + b, 0) / perSegment.length),
    };
  }

  @task() static sentenceProfile(segments: Segment[], stats: TextStatistics): Record<string, number> {
    const lengths = segments.flatMap((s) =>
      s.text
        .split(/[.!?]+/)
        .map((x) => words(x).length)
        .filter((n) => n > 0),
    );
    return { shortest: Math.min(...lengths), longest: Math.max(...lengths), mean: round(stats.words / Math.max(stats.sentences, 1)) };
  }

  @task() static punctuationProfile(segments: Segment[], stats: TextStatistics): Record<string, number> {
    const count = (re: RegExp) => segments.reduce((n, s) => n + (s.text.match(re) ?? []).length, 0);
    return { commas: count(/,/g), exclamations: count(/!/g), questions: count(/\?/g), commasPerSentence: round(count(/,/g) / Math.max(stats.sentences, 1)) };
  }

  @task() static keywordSpread(segments: Segment[], stats: TextStatistics): Record<string, number> {
    const spread: Record<string, number> = {};
    for (const [w] of stats.topWords) spread[w] = segments.filter((s) => words(s.text).includes(w)).length;
    return spread;
  }

  @task() static mergeSegmentAnalyses(input: CombinedAnalysis): CombinedAnalysis {
    return { segments: [...input.segments].sort((a, b) => a.index - b.index), overall: input.overall };
  }

  @task() static calculateTextMetrics(combined: CombinedAnalysis, stats: TextStatistics): Record<string, number> {
    const wordsPerSentence = stats.words / Math.max(stats.sentences, 1);
    const keywordHits = combined.segments.reduce((n, s) => n + s.keywordHits, 0);
    return {
      readability: round(206.835 - 1.015 * wordsPerSentence - 84.6 * (stats.averageWordLength / 3)),
      keywordDensity: round(keywordHits / Math.max(stats.words, 1)),
      segmentBalance: round(Math.min(...combined.segments.map((s) => s.words)) / Math.max(...combined.segments.map((s) => s.words))),
    };
  }

  @task() static generateTextSummary(combined: CombinedAnalysis, stats: TextStatistics): string {
    const longest = combined.segments.reduce((a, b) => (b.longestWord.length > a.longestWord.length ? b : a));
    return (
      `${stats.words} words (${stats.uniqueWords} distinct) in ${stats.sentences} sentences and ` +
      `${stats.paragraphs} paragraphs; top word "${stats.topWords[0]?.[0] ?? ""}"; longest word ` +
      `"${longest.longestWord}" in segment ${longest.index}.`
    );
  }

  @task() static finalReport(combined: CombinedAnalysis, metrics: Record<string, number>, summary: string) {
    return { summary, metrics, overall: combined.overall, segments: combined.segments.length, sentencesPerSegment: combined.segments.map((s) => s.sentences) };
  }

  /** The 59-task DAG. */
  @workflow()
  static textAnalysis(input: TextAnalysisInput) {
    const counts = input.slices.map((slice) => TextAnalysis.wordCountChunk(input.text, slice));
    const merged = TextAnalysis.mergeWordCounts(counts);
    const segments = TextAnalysis.createTextSegments(input.text, merged);
    const stats = TextAnalysis.computeTextStatistics(input.text, merged);
    const analyses = segments.map((segment, i) => TextAnalysis.analyzeSegment(segment, i));
    const vocabulary = TextAnalysis.vocabularyProfile(segments, stats);
    const sentences = TextAnalysis.sentenceProfile(segments, stats);
    const punctuation = TextAnalysis.punctuationProfile(segments, stats);
    const keywords = TextAnalysis.keywordSpread(segments, stats);
    const combined = TextAnalysis.mergeSegmentAnalyses({ segments: analyses, overall: { vocabulary, sentences, punctuation, keywords } });
    const metrics = TextAnalysis.calculateTextMetrics(combined, stats);
    const summary = TextAnalysis.generateTextSummary(combined, stats);
    return TextAnalysis.finalReport(combined, metrics, summary);
  }
}
