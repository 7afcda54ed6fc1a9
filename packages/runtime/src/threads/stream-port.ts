/**
 * Output streaming on a worker thread: a streaming task's chunks go out on a port as they come,
 * and a reading task's `AsyncIterable` parameter takes them from one. Runs in the thread entry.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { packWire, transferListOf, unpackWire } from "../codec/wire-codec.js";
import type { BatchStreams, StreamMessage, ThreadError } from "../protocol/thread-messages.js";
import { toThreadError } from "./thread-error.js";

/** Thrown by a stream's iterable when its producer failed: the reader fails with the producer's error. */
export class StreamSourceError extends Error {
  override name = "StreamSourceError";
  constructor(readonly source: ThreadError) {
    super(source.message);
    if (source.stack !== undefined) this.stack = source.stack;
  }
}

/** Thrown for a chunk larger than `maxValueBytes` (packed). */
export class ChunkTooLargeError extends Error {
  override name = "ValueTooLargeError";
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`a chunk of its output stream is ${bytes} bytes, over maxValueBytes (${limit})`);
  }
}

type Source = AsyncIterable<unknown> | { getReader(): unknown; [Symbol.asyncIterator]?: unknown };

function iteratorOf(out: unknown, label: string): AsyncIterator<unknown> {
  const it = (out as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> } | null)?.[Symbol.asyncIterator];
  if (typeof it === "function") return it.call(out);
  if (out !== null && typeof out === "object" && typeof (out as Source & { getReader: unknown }).getReader === "function") {
    // A ReadableStream without async iteration (another realm's): read it through its reader.
    const reader = (out as ReadableStream<unknown>).getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  throw new TypeError(`${label} declares a stream output but returned ${out === null ? "null" : typeof out}, not an AsyncIterable or ReadableStream`);
}

/**
 * Sends every chunk of `out` on `port`, then `end`; on the producer's failure sends `error` and
 * throws it (the task fails with its own error). A `cancel` from the reader, seen after each chunk,
 * ends the iteration with `return()`: the task then ends cleanly. Resolves to the chunks sent.
 */
export async function pipeToPort(out: unknown, port: MessagePort, label: string, maxValueBytes: number): Promise<number> {
  let sent = 0;
  let it: AsyncIterator<unknown> | undefined;
  try {
    it = iteratorOf(out, label);
    for (;;) {
      if (cancelled(port)) {
        await it.return?.();
        break;
      }
      const r = await it.next();
      if (r.done) break;
      const bytes = packWire(r.value);
      if (bytes.byteLength > maxValueBytes) throw new ChunkTooLargeError(bytes.byteLength, maxValueBytes);
      port.postMessage({ t: "chunk", bytes } satisfies StreamMessage, transferListOf(bytes));
      sent++;
    }
    port.postMessage({ t: "end" } satisfies StreamMessage);
  } catch (error) {
    port.postMessage({ t: "error", error: toThreadError(error) } satisfies StreamMessage);
    if (error instanceof ChunkTooLargeError) await it?.return?.().catch(() => undefined);
    throw error;
  }
  // The port is not closed: a message posted just before a close could be lost, and a port without a listener keeps no thread alive.
  return sent;
}

function cancelled(port: MessagePort): boolean {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    if ((m.message as StreamMessage).t === "cancel") return true;
  }
  return false;
}

/**
 * The `AsyncIterable` a reading task gets: chunks from `port` as they arrive. Leaving the loop
 * early (`break`, a throw in its body) sends `cancel`; the producer's failure is thrown here as a
 * {@link StreamSourceError}. {@link PortStream.close} cancels what the task did not read.
 */
export class PortStream implements AsyncIterable<unknown>, AsyncIterator<unknown> {
  private readonly queue: StreamMessage[] = [];
  private waiting: ((m: StreamMessage) => void) | undefined;
  private over = false;
  private taken = false;

  constructor(private readonly port: MessagePort) {
    port.on("message", (m: StreamMessage) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(m);
      else this.queue.push(m);
    });
    // The producer's side closed without a word (its thread died): the reader is not left waiting.
    port.on("close", () => {
      const w = this.waiting;
      this.waiting = undefined;
      const lost: StreamMessage = {
        t: "error",
        error: { name: "StreamInterruptedError", message: "the stream's producer stopped before it ended", code: "TL_STREAM_INTERRUPTED" },
      };
      if (w) w(lost);
      else if (!this.over) this.queue.push(lost);
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    if (this.taken) throw new TypeError("a stream can be iterated once");
    this.taken = true;
    return this;
  }

  async next(): Promise<IteratorResult<unknown>> {
    if (this.over) return { done: true, value: undefined };
    const m = this.queue.shift() ?? (await new Promise<StreamMessage>((resolve) => (this.waiting = resolve)));
    if (m.t === "chunk") return { done: false, value: unpackWire(m.bytes) };
    this.finish(false);
    if (m.t === "error") throw new StreamSourceError(m.error);
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.close();
    return { done: true, value: undefined };
  }

  /** Stops reading: tells the producer to stop when the stream did not end. */
  close(): void {
    if (!this.over) this.finish(true);
  }

  private finish(cancel: boolean): void {
    this.over = true;
    if (cancel) this.port.postMessage({ t: "cancel" } satisfies StreamMessage);
    // Not closed (the cancel must arrive): without listeners the port keeps the thread's loop free.
    this.port.removeAllListeners();
    this.port.unref();
  }
}

/**
 * Runs one streaming task on its thread: each `AsyncIterable` parameter reads its port, and a
 * stream output is sent on its port as it is produced (the task's result is then `undefined`).
 * Streams the task left unread are cancelled when it ends, successfully or not.
 */
export async function runStreamTask(streams: BatchStreams, args: unknown[], call: () => unknown, label: string, maxValueBytes: number): Promise<unknown> {
  const inputs: PortStream[] = [];
  for (const [position, port] of Object.entries(streams.params ?? {})) {
    const s = new PortStream(port);
    args[Number(position)] = s;
    inputs.push(s);
  }
  try {
    let out: unknown;
    try {
      out = await call();
    } catch (error) {
      // It failed before it returned its stream: its reader fails with the same error.
      streams.output?.postMessage({ t: "error", error: toThreadError(error) } satisfies StreamMessage);
      throw error;
    }
    if (streams.output === undefined) return out;
    await pipeToPort(out, streams.output, label, maxValueBytes);
    return undefined;
  } finally {
    for (const s of inputs) s.close();
  }
}
