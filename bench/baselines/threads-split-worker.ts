/**
 * Thread side of the hand-written `worker_threads` split (threads-split.ts): the same task
 * functions as the examples, called in a plain loop over this thread's share of the work.
 */
import { parentPort } from "node:worker_threads";
import { Gemm, type Matrix } from "../../examples/gemm/gemm.js";
import { WordCount, type Counts } from "../../examples/wordcount/wordcount.js";

export type SplitJob = { kind: "wordcount"; chunks: string[] } | { kind: "gemm"; aRows: Matrix[]; bCols: Matrix[] };

function wordcount(chunks: string[]): Counts {
  let total: Counts | undefined;
  for (const chunk of chunks) {
    const counts = WordCount.count(WordCount.tokenize(chunk));
    total = total ? WordCount.merge(total, counts) : counts;
  }
  return total ?? new Map();
}

parentPort?.on("message", (job: SplitJob) => {
  if (job.kind === "wordcount") parentPort?.postMessage(wordcount(job.chunks));
  else parentPort?.postMessage(job.aRows.map((a) => job.bCols.map((b) => Gemm.multiply(a, b))));
});
