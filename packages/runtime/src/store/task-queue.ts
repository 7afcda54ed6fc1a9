import type { TaskInstance } from "../scheduling/task-instance.js";
import { groupOf, type RunPlan } from "../scheduling/run-plan.js";
/**
 * The transport contract of the remote runtime: hand-offs of ready task instances to the workers
 * of a group, with at-least-once delivery. A delivered message stays pending until acknowledged;
 * a message whose holder stopped touching it for longer than a lease is claimed by another worker.
 * Implemented in memory ({@link MemoryTaskQueue}) and on Redis Streams with a consumer group
 * ({@link RedisTaskQueue}); one conformance suite runs against both.
 */

/** A task instance handed to the workers of a group. */
export interface Handoff {
  runId: string;
  instanceId: string;
}

/** A delivered hand-off; `id` acknowledges it. */
export interface Delivery extends Handoff {
  id: string;
}

/** A queue's hand-offs by state, and the last one delivered (it changes whenever a worker takes one). */
export interface QueueDeliveries {
  /** Hand-offs no worker has taken yet. */
  waiting: number;
  /** Hand-offs taken by a worker and not yet acknowledged. */
  held: number;
  /** Id of the last hand-off delivered ("0-0" when none was). */
  lastDelivered: string;
}

/** Hand-off queues, one per worker group. */
export interface TaskQueue {
  /** Appends hand-offs to the queue of `group` (one round trip for the batch). */
  push(group: string, handoffs: Handoff[]): Promise<void>;
  /**
   * Delivers up to `count` new hand-offs to `consumer`, waiting up to `blockMs` milliseconds
   * when none is available (0: do not wait).
   */
  receive(group: string, consumer: string, count: number, blockMs: number): Promise<Delivery[]>;
  /** Acknowledges and deletes delivered hand-offs. */
  ack(group: string, ids: string[]): Promise<void>;
  /** Resets the idle time of hand-offs `consumer` still holds (a lease heartbeat). */
  touch(group: string, consumer: string, ids: string[]): Promise<void>;
  /** Takes over up to `count` hand-offs idle for at least `leaseMs` (their holder died). */
  claimStale(group: string, consumer: string, leaseMs: number, count: number): Promise<Delivery[]>;
  /** Number of hand-offs not yet acknowledged (delivered or not). */
  backlog(group: string): Promise<number>;
  /** What `group`'s queue holds and has delivered: see {@link QueueDeliveries}. */
  deliveries(group: string): Promise<QueueDeliveries>;
  /**
   * Whether a hand-off of run `runId` is not yet acknowledged in `group` (waiting, or held by a
   * worker); undefined when the queue holds more than `scanLimit` hand-offs (not looked through).
   */
  holdsRun(group: string, runId: string, scanLimit: number): Promise<boolean | undefined>;
  /**
   * Acknowledges and deletes the hand-offs of run `runId` among the first `scanLimit` of `group`
   * (a run that ended leaves none behind for workers or a gateway to find); returns how many.
   */
  dropRun(group: string, runId: string, scanLimit: number): Promise<number>;
  close(): Promise<void>;
}

/** Hand-offs of `instances` of run `runId`, by the worker group each one runs in. */
export function handoffsByGroup(plan: RunPlan, runId: string, instances: readonly Pick<TaskInstance, "id" | "nodeId">[]): Map<string, Handoff[]> {
  const byGroup = new Map<string, Handoff[]>();
  for (const inst of instances) {
    const group = groupOf(plan, inst);
    let list = byGroup.get(group);
    if (!list) byGroup.set(group, (list = []));
    list.push({ runId, instanceId: inst.id });
  }
  return byGroup;
}
