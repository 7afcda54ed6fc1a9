import { Worker } from "node:worker_threads";
import { Gemm, type GemmInput, type Matrix } from "../../examples/gemm/gemm.js";
import { WordCount, type Counts } from "../../examples/wordcount/wordcount.js";
import type { SplitJob } from "./threads-split-worker.js";

/**
 * The same-machine limit for the data-heavy examples: the work split by hand over `threads`
 * `worker_threads` (started once, kept warm like Taskloom's pool), each running the examples'
 * own task functions over a contiguous share of the input (wordcount: its chunks, tokenized,
 * counted and merged in a loop; GEMM: its block rows times every block column), the shares
 * merged (wordcount) or assembled (GEMM) on the main thread. No scheduler, no per-task messages:
 * one message each way per thread and run.
 */
export interface ThreadsSplit {
  wordcount(chunks: string[]): Promise<Counts>;
  gemm(input: GemmInput): Promise<Matrix>;
  close(): Promise<void>;
}

/** Starts `threads` worker threads (the bench runs under `--import tsx`, which threads inherit). */
export function createThreadsSplit(threads = 2): ThreadsSplit {
  const workers = Array.from({ length: threads }, () => new Worker(new URL("./threads-split-thread.mjs", import.meta.url)));
  const reply = <T>(w: Worker): Promise<T> =>
    new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    }).finally(() => w.removeAllListeners("error")) as Promise<T>;
  const send = <T>(jobs: SplitJob[]): Promise<T[]> =>
    Promise.all(
      jobs.map((job, i) => {
        const w = workers[i] as Worker;
        const answer = reply<T>(w);
        w.postMessage(job);
        return answer;
      }),
    );
  const shares = <T>(items: readonly T[]): T[][] => {
    const size = Math.ceil(items.length / threads);
    return Array.from({ length: threads }, (_, t) => items.slice(t * size, (t + 1) * size));
  };
  return {
    async wordcount(chunks) {
      const parts = await send<Counts>(shares(chunks).map((c) => ({ kind: "wordcount", chunks: c })));
      return parts.reduce((a, b) => WordCount.merge(a, b));
    },
    async gemm(input) {
      const parts = await send<Matrix[][]>(shares(input.aRows).map((aRows) => ({ kind: "gemm", aRows, bCols: input.bCols })));
      return Gemm.assemble(parts.flat());
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
