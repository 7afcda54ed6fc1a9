import { inspect, isDeepStrictEqual } from "node:util";
import { formatRunSummary, type RunOutcome } from "@taskloom/runtime";

/** The part of a generated workflow handle that the examples use. */
export interface ExampleHandle<I, O> {
  run(input: I, options: { report: true; progress: boolean }): Promise<RunOutcome<O>>;
  run(input: I): Promise<O>;
}

/** What {@link runExample} runs and checks. */
export interface RunExampleOptions<I, O> {
  title: string;
  // NoInfer: `O` comes from `direct` (a handle's overloaded `run` would infer `O | RunOutcome<O>`).
  handle: ExampleHandle<I, NoInfer<O>>;
  input: I;
  /** The reference meaning: the workflow method called directly. */
  direct: () => O | Promise<O>;
  /** Result shown on the console; defaults to the whole result, abbreviated. */
  show?: (result: O) => unknown;
}

function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}

/** A short, one-screen rendering of any value (long arrays, strings and typed arrays cut). */
export function abbreviate(value: unknown): string {
  return inspect(value, { depth: 3, maxArrayLength: 6, maxStringLength: 60, breakLength: 100, compact: 3 });
}

/**
 * Runs a compiled workflow on the local runtime (with a progress bar and a report), calls the
 * workflow directly, checks that both results are deep-equal, and prints the result and a short
 * run summary. A second run shows the warm cost: the first one also starts the worker threads and
 * loads the task bundle in each. Sets `process.exitCode = 1` when a result differs.
 *
 * @example
 * ```ts
 * await runExample({ title: "wordcount", handle: wordcount, input: chunks, direct: () => WordCount.wordcount(chunks) });
 * ```
 */
export async function runExample<I, O>(options: RunExampleOptions<I, O>): Promise<O> {
  const { title, handle, input, direct } = options;
  const started = performance.now();
  const { result, report } = await handle.run(input, { report: true, progress: true });
  const wallMs = performance.now() - started;
  const directStarted = performance.now();
  const expected = await direct();
  const directMs = performance.now() - directStarted;
  const warmStarted = performance.now();
  const again = await handle.run(input);
  const warmMs = performance.now() - warmStarted;
  const same = isDeepStrictEqual(result, expected) && isDeepStrictEqual(again, expected);
  console.log(`${title}: ${abbreviate(options.show ? options.show(result) : result)}`);
  console.log(`  ${formatRunSummary(report)}`);
  console.log(
    `  run() took ${ms(wallMs)} the first time (starting the threads, loading the task bundle), ${ms(warmMs)} the second; the direct sequential call ${ms(directMs)}`,
  );
  console.log(same ? "  results equal the direct call: OK" : "  a result DIFFERS from the direct call: FAILED");
  if (!same) process.exitCode = 1;
  return result;
}
