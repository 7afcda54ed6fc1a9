/** How often the parent process is checked (ms). */
const PARENT_POLL_MS = 1000;

/**
 * Calls `onOrphaned` once when the process that started this one exits (its parent pid changes:
 * the process is re-parented to init or a subreaper), so that a worker whose launcher died (a
 * shell, a gateway, a test runner killed with SIGKILL) does not keep running unseen. The check is
 * a poll of `process.ppid` on an unref'd timer. Returns a function that stops watching.
 */
export function watchParent(onOrphaned: () => void, pollMs = PARENT_POLL_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
