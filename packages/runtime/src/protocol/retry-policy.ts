import type { TaskOptions } from "@taskloom/sdk";
import { isDeterministicFailure } from "./task-failure.js";
import type { ThreadError } from "./thread-messages.js";

/** First retry delay when a task sets `retries` without `retryDelayMs` (ms). */
export const DEFAULT_RETRY_DELAY_MS = 100;

/** What follows a failed attempt: the run fails (`final`), or the task runs again after `delayMs`. */
export interface RetryDecision {
  final: boolean;
  /** Delay before the next attempt (ms): `retryDelayMs` doubled for every further attempt; 0 when final. */
  delayMs: number;
}

/**
 * The one retry policy of local and remote runs: a task is retried `retries` times with
 * exponential backoff from `retryDelayMs` (100, 200, 400 ms ... by default), except after a
 * failure that would repeat (an output that cannot cross, a missing bundle, an inline step).
 * @param failedAttempts - attempts that failed so far, this one included (1 after the first).
 */
export function decideRetry(options: Readonly<TaskOptions>, failure: ThreadError, failedAttempts: number): RetryDecision {
  const retries = isDeterministicFailure(failure) ? 0 : (options.retries ?? 0);
  if (failedAttempts > retries) return { final: true, delayMs: 0 };
  return { final: false, delayMs: (options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) * 2 ** (failedAttempts - 1) };
}
