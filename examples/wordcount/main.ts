/**
 * `npm run example:wordcount`: counts the words of a generated 5 MB text in 64 chunks (a power of
 * two: the merge tree then splits into whole subtrees, one per thread, for any power-of-two thread count).
 */
import { chunkTextInto } from "../common/chunk-text.js";
import { makeText } from "../common/make-text.js";
import { runExample } from "../common/run-example.js";
import { wordcount } from "./wordcount.dag.js";
import { WordCount } from "./wordcount.js";

const chunks = chunkTextInto(makeText(5_000_000, 1), 64);
console.log(`wordcount: ${chunks.length} chunks of a 5,000,000-byte text → ${chunks.length * 3 - 1} tasks`);
await runExample({
  title: "wordcount",
  handle: wordcount,
  input: chunks,
  direct: () => WordCount.wordcount(chunks),
  show: (counts) => {
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8);
    return { distinctWords: counts.size, top: Object.fromEntries(top) };
  },
});
