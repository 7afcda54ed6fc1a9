/**
 * Logs a Redis outage once, when it starts, and once when Redis answers again (a loop retrying
 * every 500 ms would otherwise write a line each time), with how long it lasted.
 */
export class RedisOutageLog {
  private since: number | undefined;

  constructor(
    private readonly who: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Whether the last Redis call failed. */
  get down(): boolean {
    return this.since !== undefined;
  }

  failed(what: string, error: Error): void {
    if (this.since !== undefined) return;
    this.since = Date.now();
    this.log(`${this.who} ${what}: ${error.message} (Redis unreachable; retrying until it answers)`);
  }

  ok(): void {
    if (this.since === undefined) return;
    this.log(`${this.who}: Redis answers again after ${Date.now() - this.since} ms`);
    this.since = undefined;
  }
}
