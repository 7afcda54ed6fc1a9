import type { TaskQueue } from "../store/task-queue.js";
import type { AckToken, Chain } from "./chain-batch.js";

/** Delay before retrying acknowledgements that failed (Redis down). */
const ACK_RETRY_MS = 500;

/** What acknowledging needs from its worker. */
export interface AckContext {
  queue: TaskQueue;
  group: string;
  workerId: string;
  log: (line: string) => void;
  /** Called when deliveries are acknowledged or handed back (capacity freed). */
  released: () => void;
}

/**
 * The deliveries a worker holds, and their acknowledgement: a delivery is acknowledged when the
 * last chain holding its token ends; the deliveries of chains ending in the same tick are
 * acknowledged in one call, retried while Redis is down; chains Redis failed under hand theirs back.
 */
export class DeliveryAcks {
  private readonly heldIds = new Set<string>();
  private acks: string[] = [];
  private scheduled = false;

  constructor(private readonly ctx: AckContext) {}

  /** Deliveries just read from the queue. */
  hold(ids: Iterable<string>): void {
    for (const id of ids) this.heldIds.add(id);
  }

  /** Deliveries not yet acknowledged. */
  get size(): number {
    return this.heldIds.size;
  }

  /** Ids of the deliveries held (for lease heartbeats). */
  ids(): string[] {
    return [...this.heldIds];
  }

  /** Drops one reference of each token; a token no chain holds any more is acknowledged. */
  release(tokens: readonly AckToken[]): void {
    for (const t of tokens) if (--t.refs === 0 && !t.handedBack) for (const id of t.ids) this.acks.push(id);
    this.schedule(0);
  }

  /**
   * Redis failed under these chains (a command rejected while it was down): they stop here and
   * their deliveries are handed back, unacknowledged and no longer renewed, so that after the
   * lease a worker (maybe this one) takes them over and redoes them (completions are idempotent;
   * a redelivered completion hands on what the first one made ready).
   */
  handBack(chains: readonly Chain[], ids: readonly string[], error: Error): void {
    const back: string[] = [...ids];
    for (const c of chains) {
      for (const t of c.tokens) {
        if (t.handedBack) continue;
        t.handedBack = true;
        back.push(...t.ids);
      }
      c.tokens = [];
    }
    if (back.length === 0) return;
    this.ctx.log(`worker ${this.ctx.workerId}: Redis failed (${error.message}); ${back.length} hand-offs handed back for redelivery`);
    this.forget(back);
  }

  private schedule(delayMs: number): void {
    if (this.acks.length === 0 || this.scheduled) return;
    this.scheduled = true;
    const flush = (): void => {
      this.scheduled = false;
      const ids = this.acks.splice(0);
      this.ctx.queue.ack(this.ctx.group, ids).then(
        () => this.forget(ids),
        (error: Error) => {
          // The consumer group is gone (Redis came back empty): so are these entries.
          if (/^NOGROUP/.test(error.message)) return this.forget(ids);
          this.ctx.log(`worker ${this.ctx.workerId}: ack of ${ids.length} hand-offs failed, retrying: ${error.message}`);
          for (const id of ids) this.acks.push(id);
          this.schedule(ACK_RETRY_MS);
        },
      );
    };
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  }

  private forget(ids: readonly string[]): void {
    for (const id of ids) this.heldIds.delete(id);
    this.ctx.released();
  }
}
