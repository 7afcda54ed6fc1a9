/** `npm run example:text-analysis`: the 59-task text analysis over a generated 1 MB text. */
import { sliceTextInto } from "../common/chunk-text.js";
import { makeText } from "../common/make-text.js";
import { runExample } from "../common/run-example.js";
import { textAnalysis } from "./text-analysis.dag.js";
import { TextAnalysis } from "./text-analysis.js";

const text = makeText(1_000_000, 3);
const input = { text, slices: sliceTextInto(text, 32) };
await runExample({ title: "textAnalysis", handle: textAnalysis, input, direct: () => TextAnalysis.textAnalysis(input) });
