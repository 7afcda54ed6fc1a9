import type { RedisConnection } from "./redis-connection.js";
import { duplicateConnection } from "./redis-connection.js";
import { runKeys, streamKey, type RunKeys } from "./redis-keys.js";

/** Marks a streaming instance started: 1 the first time, 0 when it started before (a re-run), -1 when the run is gone. */
const START_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])`;

/**
 * Appends chunk entries (field, value pairs) to a producer's stream unless its reader stopped
 * (cancel) or the run is gone (so that nothing is written after the run's keys are deleted).
 * Returns 1 when the producer should stop, else 0.
 */
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 1 end
for i = 2, #ARGV, 2 do redis.call('XADD', KEYS[1], '*', ARGV[i], ARGV[i + 1]) end
return 0`;

/** A reader stopped early: its producer is told (cancel field), its unread chunks dropped. */
const CANCEL_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], '1')
redis.call('DEL', KEYS[1])
return 1`;

/** Deletes a run's data keys (KEYS[2..]) and every producer's stream named in its streams hash (KEYS[1]). */
export const DELETE_RUN_SCRIPT = `
local fields = redis.call('HKEYS', KEYS[1])
for _, f in ipairs(fields) do
  if string.sub(f, 1, 2) == 'p:' then redis.call('DEL', KEYS[1] .. ':' .. string.sub(f, 3)) end
end
return redis.call('DEL', unpack(KEYS))`;

/** Entries read per XREAD (and deleted per XDEL): chunked, never a run-sized command. */
const READ_COUNT = 256;
/** How long one blocking read waits before the reader checks that the run goes on (ms). */
const BLOCK_MS = 1000;

type StreamConn = RedisConnection & {
  tlStreamStart(streams: string, meta: string, field: string, worker: string): Promise<number>;
  tlStreamAppend(stream: string, streams: string, meta: string, cancelField: string, ...pairs: (string | Buffer)[]): Promise<number>;
  tlStreamCancel(stream: string, streams: string, meta: string, cancelField: string): Promise<number>;
};

/** One entry of a producer's stream: a chunk (`d`, packed bytes), the end (`e`) or the producer's error (`x`, JSON). */
export type StreamEntry = { kind: "d"; bytes: Buffer } | { kind: "e" } | { kind: "x"; error: string };

/**
 * Output streams of remote runs: one Redis Stream per streaming producer instance, written with
 * XADD (in an atomic script that stops on the reader's cancel or once the run is gone), read with
 * blocking XREADs on a connection of the reader's own, trimmed as read (XDEL) and deleted at the
 * end, or with the run's keys.
 */
export class RedisOutputStreams {
  private readonly conn: StreamConn;

  constructor(
    conn: RedisConnection,
    private readonly prefix = "tl",
  ) {
    conn.defineCommand("tlStreamStart", { numberOfKeys: 2, lua: START_SCRIPT });
    conn.defineCommand("tlStreamAppend", { numberOfKeys: 3, lua: APPEND_SCRIPT });
    conn.defineCommand("tlStreamCancel", { numberOfKeys: 3, lua: CANCEL_SCRIPT });
    this.conn = conn as StreamConn;
  }

  private keys(runId: string): RunKeys {
    return runKeys(this.prefix, runId);
  }

  /** Marks streaming instance `instance` started (`role` p or c) by `worker`: 1 first start, 0 a re-run, -1 the run is gone. */
  start(runId: string, role: "p" | "c", instance: string, worker: string): Promise<number> {
    const k = this.keys(runId);
    return this.conn.tlStreamStart(k.streams, k.meta, `${role}:${instance}`, worker);
  }

  /** Appends entries to `producer`'s stream; resolves true when the producer should stop (its reader cancelled, or the run is gone). */
  async append(runId: string, producer: string, entries: readonly StreamEntry[]): Promise<boolean> {
    const k = this.keys(runId);
    const pairs: (string | Buffer)[] = [];
    for (const e of entries) pairs.push(e.kind, e.kind === "d" ? e.bytes : e.kind === "x" ? e.error : "");
    return (await this.conn.tlStreamAppend(streamKey(k, producer), k.streams, k.meta, `cancel:${producer}`, ...pairs)) === 1;
  }

  /** The reader of `producer`'s stream stopped early: tells the producer, drops what is unread. */
  async cancel(runId: string, producer: string): Promise<void> {
    const k = this.keys(runId);
    await this.conn.tlStreamCancel(streamKey(k, producer), k.streams, k.meta, `cancel:${producer}`);
  }

  /** A reader of `producer`'s stream (its own connection, for blocking reads). */
  async reader(runId: string, producer: string): Promise<StreamReader> {
    return new StreamReader(await duplicateConnection(this.conn), this.keys(runId), producer);
  }
}

/** Reads one producer's stream in order, deleting what it read. */
export class StreamReader {
  private last = "0-0";
  private readonly key: string;

  constructor(
    private readonly conn: RedisConnection,
    private readonly keys: RunKeys,
    producer: string,
  ) {
    this.key = streamKey(keys, producer);
  }

  /** The next entries (waits up to 1 s for some; [] when none came), then deletes them from the stream. */
  async next(): Promise<StreamEntry[]> {
    const res = (await this.conn.xreadBuffer("COUNT", READ_COUNT, "BLOCK", BLOCK_MS, "STREAMS", this.key, this.last)) as
      | [Buffer, [Buffer, Buffer[]][]][]
      | null;
    const rows = res?.[0]?.[1] ?? [];
    if (rows.length === 0) return [];
    const ids: string[] = [];
    const out: StreamEntry[] = [];
    for (const [id, fields] of rows) {
      ids.push(id.toString());
      const kind = fields[0]?.toString();
      const value = fields[1] ?? Buffer.alloc(0);
      out.push(kind === "d" ? { kind, bytes: value } : kind === "x" ? { kind, error: value.toString() } : { kind: "e" });
    }
    this.last = ids[ids.length - 1]!;
    await this.conn.xdel(this.key, ...ids);
    return out;
  }

  /** Whether the run still has its metadata (it did not end). */
  async runGoesOn(): Promise<boolean> {
    return (await this.conn.exists(this.keys.meta)) === 1;
  }

  /** Deletes the stream (read to its end) and closes the connection. */
  async close(deleteStream: boolean): Promise<void> {
    try {
      if (deleteStream) await this.conn.del(this.key);
    } finally {
      this.conn.disconnect();
    }
  }
}
