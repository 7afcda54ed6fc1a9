/** Recognising Redis outages, and bounding waits on a Redis that may not answer. */

/**
 * True when `error` says Redis is (for now) unreachable or not serving: a command rejected while
 * the connection is down (`MaxRetriesPerRequestError`, `Connection is closed`), a socket error, a
 * server still loading its data or read-only after a failover, a stream whose consumer group is
 * gone (Redis came back empty). Such an error is never a run's fault: retry later or hand the work back.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "MaxRetriesPerRequestError") return true;
  return /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|^LOADING|^READONLY|^MASTERDOWN|^CLUSTERDOWN|^TRYAGAIN|^NOGROUP/.test(
    error.message,
  );
}

/**
 * Waits for `p` until `deadline` (ms since the epoch) at the latest, ignoring its rejection: for
 * shutdowns, which must end in time whatever state Redis is in (down, or stuck without answering).
 */
export async function beforeDeadline(p: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
}
