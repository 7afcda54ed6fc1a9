import { CONSUMER_GROUP, queueKey } from "./redis-keys.js";
import { duplicateConnection, type RedisConnection } from "./redis-connection.js";
import { ACK_SCRIPT, PUSH_SCRIPT } from "./lua-scripts.js";
import type { Delivery, Handoff, QueueDeliveries, TaskQueue } from "./task-queue.js";

type StreamEntry = [id: string, fields: string[]];

/** Hand-offs appended per script call (a call blocks Redis while it runs: about 1 µs each). */
const PUSH_CHUNK = 10_000;

/** XAUTOCLAIM calls per claim at most: with COUNT 1 they look through 1,000 pending hand-offs. */
const CLAIM_SCAN_CALLS = 100;

type ScriptConn = RedisConnection & {
  tlPush(key: string, ...args: string[]): Promise<number>;
  tlAck(key: string, ...args: string[]): Promise<number>;
};

function toDelivery([id, fields]: StreamEntry): Delivery {
  return { id, runId: fields[1] ?? "", instanceId: fields[3] ?? "" };
}

/**
 * {@link TaskQueue} on Redis Streams: one stream per worker group (its own hash tag), one consumer
 * group `workers`; XADD to hand off, XREADGROUP to receive, XACK + XDEL when done, XCLAIM to
 * renew a lease, XAUTOCLAIM to take over work of a dead worker. Blocking reads use a second
 * connection so they never delay other commands. A batch of hand-offs or acknowledgements is one
 * Lua call (one command, one round trip).
 */
export class RedisTaskQueue implements TaskQueue {
  private readonly ready = new Map<string, Promise<void>>();
  private blocking: RedisConnection | undefined;

  private readonly conn: ScriptConn;

  constructor(
    conn: RedisConnection,
    private readonly prefix = "tl",
  ) {
    conn.defineCommand("tlPush", { numberOfKeys: 1, lua: PUSH_SCRIPT });
    conn.defineCommand("tlAck", { numberOfKeys: 1, lua: ACK_SCRIPT });
    this.conn = conn as ScriptConn;
  }

  private ensure(group: string): Promise<void> {
    let p = this.ready.get(group);
    if (!p) {
      const created = this.conn.xgroup("CREATE", queueKey(this.prefix, group), CONSUMER_GROUP, "0", "MKSTREAM").then(
        () => undefined,
        (error: Error) => {
          if (/BUSYGROUP/.test(error.message)) return;
          // Not created (Redis down): the next call tries again.
          if (this.ready.get(group) === created) this.ready.delete(group);
          throw error;
        },
      );
      p = created;
      this.ready.set(group, p);
    }
    return p;
  }

  /**
   * Runs `command` on `group`'s stream; when the consumer group is gone (Redis restarted without
   * its data, or the stream was deleted), creates it again and retries once.
   */
  private async withGroup<T>(group: string, command: () => Promise<T>): Promise<T> {
    await this.ensure(group);
    try {
      return await command();
    } catch (error) {
      if (!/^NOGROUP/.test((error as Error).message)) throw error;
      this.ready.delete(group);
      await this.ensure(group);
      return command();
    }
  }

  async push(group: string, handoffs: Handoff[]): Promise<void> {
    if (handoffs.length === 0) return;
    await this.ensure(group);
    const key = queueKey(this.prefix, group);
    // One call per run (the run id travels once), in chunks that keep each script short.
    const byRun = new Map<string, string[]>();
    for (const h of handoffs) {
      const ids = byRun.get(h.runId);
      if (ids) ids.push(h.instanceId);
      else byRun.set(h.runId, [h.instanceId]);
    }
    for (const [runId, ids] of byRun) {
      for (let i = 0; i < ids.length; i += PUSH_CHUNK) await this.conn.tlPush(key, runId, ...ids.slice(i, i + PUSH_CHUNK));
    }
  }

  async receive(group: string, consumer: string, count: number, blockMs: number): Promise<Delivery[]> {
    return this.withGroup(group, () => this.read(group, consumer, count, blockMs));
  }

  private async read(group: string, consumer: string, count: number, blockMs: number): Promise<Delivery[]> {
    const key = queueKey(this.prefix, group);
    let conn: RedisConnection = this.conn;
    if (blockMs > 0) {
      this.blocking ??= await duplicateConnection(this.conn);
      conn = this.blocking;
    }
    const args: (string | number)[] = ["GROUP", CONSUMER_GROUP, consumer, "COUNT", count];
    if (blockMs > 0) args.push("BLOCK", blockMs);
    args.push("STREAMS", key, ">");
    const reply = (await (conn as unknown as { xreadgroup(...a: (string | number)[]): Promise<unknown> }).xreadgroup(...args)) as
      | [string, StreamEntry[]][]
      | null;
    return (reply?.[0]?.[1] ?? []).map(toDelivery);
  }

  async ack(group: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = queueKey(this.prefix, group);
    for (let i = 0; i < ids.length; i += PUSH_CHUNK) await this.conn.tlAck(key, CONSUMER_GROUP, ...ids.slice(i, i + PUSH_CHUNK));
  }

  async touch(group: string, consumer: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length; i += PUSH_CHUNK) {
      await this.conn.xclaim(queueKey(this.prefix, group), CONSUMER_GROUP, consumer, 0, ...ids.slice(i, i + PUSH_CHUNK), "JUSTID");
    }
  }

  /**
   * XAUTOCLAIM looks at no more than 10 × COUNT pending entries a call and returns where it
   * stopped: this follows that cursor through the whole pending list (at most
   * {@link CLAIM_SCAN_CALLS} calls), so a dead worker's hand-offs held behind many that live
   * workers renew are found too.
   */
  async claimStale(group: string, consumer: string, leaseMs: number, count: number): Promise<Delivery[]> {
    const key = queueKey(this.prefix, group);
    const out: Delivery[] = [];
    let cursor = "0-0";
    for (let call = 0; call < CLAIM_SCAN_CALLS && out.length < count; call++) {
      const start = cursor;
      const reply = (await this.withGroup(group, () => this.conn.xautoclaim(key, CONSUMER_GROUP, consumer, leaseMs, start, "COUNT", count - out.length))) as [
        string,
        (StreamEntry | null)[],
        string[]?,
      ];
      for (const e of reply[1]) if (Array.isArray(e)) out.push(toDelivery(e));
      cursor = reply[0];
      if (cursor === "0-0") break;
    }
    return out;
  }

  async backlog(group: string): Promise<number> {
    return this.conn.xlen(queueKey(this.prefix, group));
  }

  async deliveries(group: string): Promise<QueueDeliveries> {
    const key = queueKey(this.prefix, group);
    let groups: unknown[][];
    try {
      groups = (await this.conn.xinfo("GROUPS", key)) as unknown[][];
    } catch (error) {
      if (/no such key/i.test((error as Error).message)) return { waiting: 0, held: 0, lastDelivered: "0-0" };
      throw error;
    }
    const info = groups.find((g) => g[g.indexOf("name") + 1] === CONSUMER_GROUP);
    const length = await this.conn.xlen(key);
    if (!info) return { waiting: length, held: 0, lastDelivered: "0-0" };
    const held = Number(info[info.indexOf("pending") + 1] ?? 0);
    // The stream holds exactly the unacknowledged hand-offs (acknowledged ones are deleted).
    return { waiting: Math.max(0, length - held), held, lastDelivered: String(info[info.indexOf("last-delivered-id") + 1] ?? "0-0") };
  }

  // Acknowledged hand-offs are deleted, so the stream holds exactly the unacknowledged ones.
  private async firstEntries(group: string, count: number): Promise<Delivery[]> {
    return ((await this.conn.xrange(queueKey(this.prefix, group), "-", "+", "COUNT", count)) as StreamEntry[]).map(toDelivery);
  }

  async holdsRun(group: string, runId: string, scanLimit: number): Promise<boolean | undefined> {
    const entries = await this.firstEntries(group, scanLimit + 1);
    if (entries.length > scanLimit) return undefined;
    return entries.some((e) => e.runId === runId);
  }

  async dropRun(group: string, runId: string, scanLimit: number): Promise<number> {
    const ids = (await this.firstEntries(group, scanLimit)).filter((e) => e.runId === runId).map((e) => e.id);
    await this.ack(group, ids);
    return ids.length;
  }

  async close(): Promise<void> {
    this.blocking?.disconnect();
    this.blocking = undefined;
  }
}
