import type { MessagePort } from "node:worker_threads";
import type { StreamMessage, ThreadError } from "../protocol/thread-messages.js";
import type { RedisOutputStreams, StreamEntry } from "../store/redis-output-streams.js";

/** Most entries per append script call (a run-sized stream never becomes one command). */
const APPEND_BATCH = 256;
/** How long a producer's bridge waits, after its batch, for the thread's last message (ms). */
const END_WAIT_MS = 2000;
/** Delay before a failed Redis call of a stream is tried again (ms). */
const RETRY_MS = 500;

/** What a bridge asks of its worker: the run's state and a log. */
export interface BridgeContext {
  streams: RedisOutputStreams;
  runId: string;
  /** Whether the run ended on this worker's side (it failed, or was forgotten). */
  over(): boolean;
  log(line: string): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The error a reader gets when its stream cannot go on (the producer's worker died, the run ended). */
export function interrupted(message: string): ThreadError {
  return { name: "StreamInterruptedError", message, code: "TL_STREAM_INTERRUPTED" };
}

/**
 * A producer's side on its worker's main thread: the chunks its thread posts go to the
 * producer's Redis Stream, in order, in appends of up to 256 entries; when an append says the
 * reader cancelled (or the run is gone), the thread is told to stop.
 */
export class ProducerBridge {
  private readonly pending: StreamEntry[] = [];
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly producer: string,
    private readonly port: MessagePort,
  ) {
    port.on("message", (m: StreamMessage) => {
      if (m.t === "chunk") this.push({ kind: "d", bytes: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength) });
      else if (m.t === "end") this.push({ kind: "e" });
      else if (m.t === "error") this.push({ kind: "x", error: JSON.stringify(m.error) });
    });
  }

  /**
   * After the producer's batch: every entry is in Redis. The thread's last message (end or error)
   * may arrive after the batch's reply (another port): it is waited for, up to 2 s; a thread that
   * died without a word ends the stream with an error.
   */
  async done(): Promise<void> {
    if (!this.ended) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => (this.onEnd = r)), new Promise((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
    }
    if (!this.ended) this.push({ kind: "x", error: JSON.stringify(interrupted(`the stream's producer ${this.producer} stopped before it ended`)) });
    while (this.flushing) await this.flushing;
    this.port.close();
  }

  private onEnd: (() => void) | undefined;

  private push(entry: StreamEntry): void {
    if (this.ended) return;
    if (entry.kind !== "d") {
      this.ended = true;
      this.onEnd?.();
    }
    if (this.stopped) return;
    this.pending.push(entry);
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0 && !this.stopped) {
      const entries = this.pending.splice(0, APPEND_BATCH);
      try {
        if (await this.ctx.streams.append(this.ctx.runId, this.producer, entries)) this.stop();
      } catch (error) {
        if (this.ctx.over()) return this.stop();
        this.ctx.log(`run ${this.ctx.runId} stream of ${this.producer}: append failed, retrying: ${(error as Error).message}`);
        this.pending.unshift(...entries);
        await sleep(RETRY_MS);
      }
    }
  }

  private stop(): void {
    this.stopped = true;
    this.pending.length = 0;
    this.port.postMessage({ t: "cancel" } satisfies StreamMessage);
  }
}

/**
 * A reader's side on its worker's main thread: blocking reads of the producer's Redis Stream
 * (its own connection), each entry posted to the reader's thread and deleted from the stream;
 * a `cancel` from the thread tells the producer (and drops the rest). When a read finds nothing
 * and the run is gone, the reader fails with `TL_STREAM_INTERRUPTED` instead of waiting forever.
 */
export class ReaderBridge {
  private cancelled = false;
  private complete = false;
  private readonly finished: Promise<void>;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly producer: string,
    private readonly port: MessagePort,
  ) {
    port.on("message", (m: StreamMessage) => {
      if (m.t !== "cancel" || this.cancelled) return;
      this.cancelled = true;
      void this.ctx.streams.cancel(ctx.runId, producer).catch((e: Error) => ctx.log(`run ${ctx.runId} stream of ${producer}: cancel failed: ${e.message}`));
    });
    this.finished = this.pump().catch((e: Error) => ctx.log(`run ${ctx.runId} stream of ${producer}: ${e.message}`));
  }

  private async pump(): Promise<void> {
    const reader = await this.ctx.streams.reader(this.ctx.runId, this.producer);
    try {
      while (!this.cancelled && !this.complete) {
        let entries: StreamEntry[];
        try {
          entries = await reader.next();
          if (entries.length === 0 && (this.ctx.over() || !(await reader.runGoesOn()))) {
            this.post({ t: "error", error: interrupted(`the run ended while ${this.producer}'s stream was being read`) });
            return;
          }
        } catch (error) {
          if (this.ctx.over()) return;
          this.ctx.log(`run ${this.ctx.runId} stream of ${this.producer}: read failed, retrying: ${(error as Error).message}`);
          await sleep(RETRY_MS);
          continue;
        }
        for (const e of entries) {
          if (e.kind === "d") {
            const bytes = new Uint8Array(e.bytes);
            this.post({ t: "chunk", bytes }, [bytes.buffer]);
          } else {
            this.post(e.kind === "e" ? { t: "end" } : { t: "error", error: JSON.parse(e.error) as ThreadError });
            this.complete = true;
            break;
          }
        }
      }
    } finally {
      await reader.close(this.complete).catch(() => undefined);
    }
  }

  private post(m: StreamMessage, transfer: ArrayBuffer[] = []): void {
    if (!this.cancelled) this.port.postMessage(m, transfer);
  }

  /**
   * After the reader's batch: stops reading (its thread no longer listens); a reader whose thread
   * died mid-stream cancels the producer. Not awaited: a blocking read ends within a second.
   */
  done(): void {
    if (!this.complete && !this.cancelled) void this.ctx.streams.cancel(this.ctx.runId, this.producer).catch(() => undefined);
    this.cancelled = true;
    void this.finished.then(() => this.port.close());
  }
}
