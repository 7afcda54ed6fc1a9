import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { BatchStreams } from "../../protocol/thread-messages.js";
import { sibling, type StreamWorkflow } from "../../scheduling/stream-edges.js";
import type { TaskInstance } from "../../scheduling/task-instance.js";

/**
 * The streams of a local run: one `MessageChannel` per producer instance, its first port to the
 * producer's thread and its second to the reader's, whichever is sent first (chunks wait in the
 * channel until the reader's thread takes its port). The main thread never touches a chunk.
 */
export class LocalStreams {
  private readonly channels = new Map<string, { channel: MessageChannel; taken: number }>();
  /** Producer instances sent to threads, by id (a reader's failure names its producer). */
  private readonly producers = new Map<string, TaskInstance>();

  /** Batches of producers still running on their threads. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly streams: StreamWorkflow) {}

  /** Tracks the batch of a producer sent to a thread (see {@link drain}). */
  track(inst: TaskInstance, batch: Promise<unknown>): void {
    if (!this.streams.producers.has(inst.nodeId)) return;
    const done: Promise<unknown> = batch.then(
      (): boolean => this.running.delete(done),
      (): boolean => this.running.delete(done),
    );
    this.running.add(done);
  }

  /**
   * Resolves when every running producer ended, or after `ms`: a failed run stops its threads
   * after this, so that a producer whose reader failed ends cleanly (cancelled at its next chunk)
   * rather than with its thread.
   */
  async drain(ms: number): Promise<void> {
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** The ports of a batch made of streaming instance `inst` alone. */
  portsFor(inst: TaskInstance): BatchStreams {
    const out: BatchStreams = {};
    if (this.streams.producers.has(inst.nodeId)) {
      this.producers.set(inst.id, inst);
      out.output = this.take(inst.id, "port1");
    }
    for (const edge of this.streams.consumers.get(inst.nodeId) ?? []) {
      (out.params ??= {})[edge.param] = this.take(sibling(inst.id, inst.nodeId, edge.producer), "port2");
    }
    return out;
  }

  /** The ports of `streams`, to transfer with the batch. */
  transferOf(streams: BatchStreams): MessagePort[] {
    return [...(streams.output ? [streams.output] : []), ...Object.values(streams.params ?? {})];
  }

  /** The producer whose stream `reader` read (its first streaming argument's), when it was sent. */
  producerOf(reader: TaskInstance): TaskInstance | undefined {
    const edge = this.streams.consumers.get(reader.nodeId)?.[0];
    return edge ? this.producers.get(sibling(reader.id, reader.nodeId, edge.producer)) : undefined;
  }

  private take(producerId: string, side: "port1" | "port2"): MessagePort {
    let entry = this.channels.get(producerId);
    if (!entry) {
      entry = { channel: new MessageChannel(), taken: 0 };
      this.channels.set(producerId, entry);
    }
    if (++entry.taken === 2) this.channels.delete(producerId);
    return entry.channel[side];
  }
}
