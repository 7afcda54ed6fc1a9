import { inspect, isDeepStrictEqual } from "node:util";
import { formatRunSummary, type RunOutcome } from "@taskloom/runtime";

/** The part of a generated workflow handle that the examples use. */
export interface ExampleHandle<I, O> {
  run(input: I, options: { report: true; progress: boolean }): Promise<RunOutcome<O>>;
}

/** What {@link runExample} runs and checks. */
export interface RunExampleOptions<I, O> {
  title: string;
  handle: ExampleHandle<I, O>;
  input: I;
  /** The reference meaning: the workflow method called directly. */
  direct: () => O | Promise<O>;
  /** Result shown on the console; defaults to the whole result, abbreviated. */
  show?: (result: O) => unknown;
}

/** A short, one-screen rendering of any value (long arrays, strings and typed arrays cut). */
export function abbreviate(value: unknown): string {
  return inspect(value, { depth: 3, maxArrayLength: 6, maxStringLength: 60, breakLength: 100, compact: 3 });
}

/**
 * Runs a compiled workflow on the local runtime (with a progress bar and a report), calls the
 * workflow directly, checks that both results are deep-equal, and prints the result and a short
 * run summary. Sets `process.exitCode = 1` when they differ.
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
  const same = isDeepStrictEqual(result, expected);
  console.log(`${title}: ${abbreviate(options.show ? options.show(result) : result)}`);
  console.log(`  ${formatRunSummary(report)}`);
  console.log(`  run() took ${wallMs.toFixed(1)} ms in all; the direct sequential call ${directMs.toFixed(1)} ms`);
  console.log(same ? "  result equals the direct call: OK" : "  result DIFFERS from the direct call: FAILED");
  if (!same) process.exitCode = 1;
  return result;
}
