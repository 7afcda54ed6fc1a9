import { createPrng, randomInt } from "./prng.js";

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "sa",
  "ti",
  "vo",
  "da",
  "fe",
  "gu",
  "ha",
  "jo",
  "pe",
  "qua",
  "ri",
  "so",
  "tu",
  "wy",
  "ze",
  "ba",
  "ce",
  "di",
  "fo",
  "an",
  "el",
  "is",
  "or",
  "um",
  "yth",
];
const COMMON_WORDS = [
  "the",
  "and",
  "of",
  "to",
  "a",
  "in",
  "that",
  "is",
  "it",
  "you",
  "he",
  "was",
  "for",
  "on",
  "are",
  "with",
  "as",
  "his",
  "they",
  "be",
  "at",
  "one",
  "have",
  "this",
  "from",
  "or",
  "had",
  "by",
  "not",
  "but",
  "what",
  "all",
  "were",
  "we",
  "when",
  "your",
  "can",
  "said",
  "there",
  "use",
  "an",
  "each",
  "which",
  "she",
  "do",
  "how",
  "their",
  "if",
  "will",
  "up",
  "other",
  "about",
  "out",
  "many",
  "then",
  "them",
  "these",
  "so",
];
/** Size of the synthetic vocabulary besides the common words. */
const VOCABULARY_SIZE = 20_000;

function buildVocabulary(seed: number): string[] {
  const next = createPrng(seed ^ 0x5eed);
  const words = new Set<string>(COMMON_WORDS);
  while (words.size < COMMON_WORDS.length + VOCABULARY_SIZE) {
    const length = 1 + randomInt(next, 4);
    let word = "";
    for (let i = 0; i < length; i++) word += SYLLABLES[randomInt(next, SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

/**
 * Generates a deterministic English-looking text of exactly `bytes` ASCII characters: words drawn
 * from a skewed (Zipf-like) distribution over ~20,000 words, with commas, sentences (capitalised,
 * ending in `.`, `!` or `?`) and paragraphs (blank lines). Same `bytes` and `seed`, same text.
 *
 * @param bytes - length of the text in characters (= bytes, ASCII only).
 * @param seed - PRNG seed.
 * @example
 * ```ts
 * const text = makeText(5_000_000, 1); // the wordcount input, ~5 MB
 * ```
 */
export function makeText(bytes: number, seed: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`bytes must be a non-negative integer, got ${bytes}`);
  const vocabulary = buildVocabulary(seed);
  const next = createPrng(seed);
  const parts: string[] = [];
  let length = 0;
  let sentenceStart = true;
  let wordsInSentence = 0;
  let sentencesInParagraph = 0;
  while (length < bytes) {
    // Cubing a uniform number skews the choice towards the front of the list (common words first).
    const r = next();
    let word = vocabulary[Math.floor(r * r * r * vocabulary.length)] as string;
    if (sentenceStart) word = word.charAt(0).toUpperCase() + word.slice(1);
    sentenceStart = false;
    wordsInSentence++;
    let separator = " ";
    const end = next();
    if (wordsInSentence > 4 && end < 0.08) {
      separator = end < 0.06 ? ". " : end < 0.07 ? "! " : "? ";
      sentenceStart = true;
      wordsInSentence = 0;
      sentencesInParagraph++;
      if (sentencesInParagraph > 3 && next() < 0.2) {
        separator = separator.trimEnd() + "\n\n";
        sentencesInParagraph = 0;
      }
    } else if (end > 0.95) {
      separator = ", ";
    }
    parts.push(word, separator);
    length += word.length + separator.length;
  }
  return parts.join("").slice(0, bytes);
}
