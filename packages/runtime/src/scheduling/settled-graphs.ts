/**
 * Graphs of replicas that settled (nothing blocked: every array length known), kept by shape so
 * that later runs of the same shape share them (see GraphReplica). A shared graph must never be
 * changed and never read run data again; these are the pieces that keep it so.
 */
import type { BranchSelect, Value } from "@taskloom/sdk/internal";
import type { RunGraph, SkippedTask } from "./run-graph.js";
import { ShapeCache } from "./shape-cache.js";
import type { TaskInstance } from "./task-instance.js";

/** A replica's graph once nothing in it is blocked: it never changes again, so runs may share it. */
export interface SettledGraph {
  graph: RunGraph;
  known: Map<string, TaskInstance>;
  direct: Map<string, readonly TaskInstance[]>;
  /** The tasks of the branch arms not taken. */
  skipped: readonly SkippedTask[];
}

/** Settled graphs by workflow and shape (see {@link ShapeCache}); the key is the recorded lengths. */
export const settledGraphs = new ShapeCache<SettledGraph>();

/** The shape key of recorded lengths: the same for equal maps, whatever their insertion order. */
export function lengthsKey(lengths: ReadonlyMap<string, number>): string {
  return lengths.size === 0 ? "" : JSON.stringify([...lengths].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/** What a replica's graph reads through its replica: array values, and branch decisions. */
export interface ReplicaReads {
  read(value: Value): unknown;
  choose(test: Value, select: BranchSelect, arms: number): number;
  skipped(tasks: SkippedTask[]): void;
}

/** A graph's value source that reads through its replica until detached (then it must not read). */
export class DetachableSource {
  constructor(private reader: ReplicaReads | undefined) {}

  read(value: Value): unknown {
    return this.live().read(value);
  }

  choose(test: Value, select: BranchSelect, arms: number): number {
    return this.live().choose(test, select, arms);
  }

  skipped(tasks: SkippedTask[]): void {
    this.live().skipped(tasks);
  }

  private live(): ReplicaReads {
    if (!this.reader) throw new Error("internal: a settled graph replica read a value");
    return this.reader;
  }

  detach(): void {
    this.reader = undefined;
  }
}
