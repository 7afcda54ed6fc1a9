import type { TaskInstance } from "../../scheduling/task-instance.js";
import type { PlannedBatch } from "./batch-builder.js";
import type { BatchReply, BatchRequest } from "../../protocol/thread-messages.js";

/** Batch names unique in this process (pools, hence threads, are shared by the runs of a process). */
let batches = 0;

/**
 * Which large results of a run a thread still holds live: a thread keeps the large outputs of its
 * latest batch until its next one, so a batch that reads them (the next pair of a reduction, say)
 * runs on that thread when it is idle and skips decoding them. The bytes always travel too: any
 * thread can run any batch, and a thread that no longer holds a value decodes it.
 */
export class ResidentOutputs {
  private readonly where = new Map<string, { threadId: number; name: string }>();

  /** A name for a new batch's outputs on its thread. */
  nextBatchName(): string {
    return `b${++batches}`;
  }

  /** Records the outputs that the thread of batch `batchName` kept (`reply.retained`). */
  record(instances: readonly TaskInstance[], reply: BatchReply, batchName: string): void {
    for (const i of reply.retained ?? []) {
      const inst = instances[i];
      if (inst) this.where.set(inst.id, { threadId: reply.threadId, name: `${batchName}:${i}` });
    }
  }

  /**
   * The `resident` part of a batch's request, and the thread to prefer: the one holding the
   * largest of the batch's packed inputs that a thread may still hold.
   */
  plan(batch: PlannedBatch, batchName: string): { resident: NonNullable<BatchRequest["resident"]>; threadId: number | undefined } {
    const take: Record<string, string> = {};
    let threadId: number | undefined;
    let largest = -1;
    batch.packedKeys.forEach((key, j) => {
      const id = batch.packedIds[j] as string;
      const at = this.where.get(id);
      if (!at) return;
      take[key] = at.name;
      const size = (batch.values[Number(key)] as Uint8Array).byteLength;
      if (size > largest) {
        largest = size;
        threadId = at.threadId;
      }
    });
    return { resident: threadId === undefined ? { keep: batchName } : { keep: batchName, take }, threadId };
  }
}
