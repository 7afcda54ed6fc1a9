import { MessageChannel } from "node:worker_threads";
import type { BatchStreams } from "../protocol/thread-messages.js";
import type { RedisOutputStreams } from "../store/redis-output-streams.js";
import { isStreamTask, sibling, streamWorkflow } from "../scheduling/stream-edges.js";
import type { Chain } from "./chain-batch.js";
import { type BridgeContext, ProducerBridge, ReaderBridge } from "./stream-bridge.js";

/** A streaming chain's ports (for its batch) and what ends its bridges after the batch. */
export interface OpenStreams {
  ports: BatchStreams;
  /** After the batch: the producer's entries are all in Redis; the readers stop. */
  done(): Promise<void>;
}

/** Whether a chain's task streams (then it runs alone in its batch, never retried). */
export function streamsOf(c: Chain): boolean {
  return isStreamTask(c.run.manifest, c.inst.task);
}

/**
 * Opens the streams of a streaming chain on this worker: marks its instance started (atomically,
 * once per run: a second start is a re-run after its worker died, `rerun`, and the run fails,
 * since a stream cannot be replayed; `gone` when the run's keys are gone), then bridges each
 * stream between a port to its thread and the producer's Redis Stream.
 */
export async function openChainStreams(
  streams: RedisOutputStreams,
  c: Chain,
  workerId: string,
  log: (line: string) => void,
): Promise<OpenStreams | "rerun" | "gone"> {
  const { run, inst } = c;
  const edges = streamWorkflow(run.workflow, run.manifest);
  const producing = edges.producers.has(inst.nodeId);
  const started = await streams.start(run.runId, producing ? "p" : "c", inst.id, workerId);
  if (started === -1) return "gone";
  if (started === 0) return "rerun";
  const ctx: BridgeContext = { streams, runId: run.runId, over: () => run.over, log };
  const ports: BatchStreams = {};
  let producer: ProducerBridge | undefined;
  const readers: ReaderBridge[] = [];
  if (producing) {
    const ch = new MessageChannel();
    ports.output = ch.port1;
    producer = new ProducerBridge(ctx, inst.id, ch.port2);
  }
  for (const edge of edges.consumers.get(inst.nodeId) ?? []) {
    const ch = new MessageChannel();
    (ports.params ??= {})[edge.param] = ch.port1;
    readers.push(new ReaderBridge(ctx, sibling(inst.id, inst.nodeId, edge.producer), ch.port2));
  }
  return {
    ports,
    async done() {
      for (const r of readers) r.done();
      await producer?.done();
    },
  };
}
