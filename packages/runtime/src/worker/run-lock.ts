/**
 * A readers-writer lock of one run on one worker. Completions that only count take it shared;
 * a completion that expands the graph (and so changes the replica and the recorded lengths)
 * takes it exclusively, so the replica never changes under a completion in flight.
 */
export class RunLock {
  private readers = 0;
  private writer = false;
  private waiters: (() => void)[] = [];

  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Runs `fn` holding the lock shared (`exclusive` false) or exclusively. */
  async with<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    while (this.writer || (exclusive && this.readers > 0)) await new Promise<void>((r) => this.waiters.push(r));
    if (exclusive) this.writer = true;
    else this.readers++;
    try {
      return await fn();
    } finally {
      if (exclusive) this.writer = false;
      else this.readers--;
      this.wakeAll();
    }
  }
}
