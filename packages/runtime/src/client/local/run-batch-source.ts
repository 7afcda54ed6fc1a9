import type { Value } from "@taskloom/sdk/internal";
import type { ExecutionContext } from "../executor.js";
import type { ReportBuilder } from "../../report/report-builder.js";
import type { RunGraph } from "../../scheduling/run-graph.js";
import { resolveValue } from "../../scheduling/resolve-value.js";
import type { InlineFunctions } from "../../scheduling/inline-functions.js";
import type { TaskInstance } from "../../scheduling/task-instance.js";
import type { BatchSource } from "./batch-builder.js";
import type { ResultStore } from "./result-store.js";
import { findReduceLeaves, findWorkerLocalNodes } from "./worker-local-nodes.js";
import { taskOptionsOf } from "../../protocol/manifest-check.js";
import { isStreamTask } from "../../scheduling/stream-edges.js";

/** The key of the pool lane of tasks with heap limit `memoryMb`. */
export function laneKey(memoryMb: number | undefined): string {
  return memoryMb === undefined ? "default" : `${memoryMb}mb`;
}

/** What the batch builder sees of a local run: its graph, its records, its results, its tasks. */
export class RunBatchSource implements BatchSource {
  private readonly localNodes: Set<string>;
  private readonly reduceLeaves: Map<string, string>;
  /** Per task, the pool key its instances may join batches of ("" when it runs alone). */
  private readonly joinLane = new Map<string, string>();

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly graph: RunGraph,
    private readonly report: ReportBuilder,
    private readonly results: ResultStore,
    private readonly inline: InlineFunctions,
  ) {
    this.localNodes = findWorkerLocalNodes(ctx.workflow);
    this.reduceLeaves = findReduceLeaves(ctx.workflow);
  }

  dependents(id: string): readonly TaskInstance[] {
    return this.graph.dependents(id);
  }
  tracked(id: string): boolean {
    return this.report.get(id) !== undefined;
  }
  done(id: string): boolean {
    return this.report.get(id)?.status === "finished";
  }
  joinable(task: string, poolKey: string): boolean {
    let lane = this.joinLane.get(task);
    if (lane === undefined) {
      const options = taskOptionsOf(this.ctx.manifest, task);
      lane = options.timeoutMs === undefined && !isStreamTask(this.ctx.manifest, task) ? laneKey(options.memoryMb) : "";
      this.joinLane.set(task, lane);
    }
    return lane === poolKey;
  }
  workerLocal(nodeId: string): boolean {
    return this.localNodes.has(nodeId);
  }
  reduceOf(nodeId: string): string | undefined {
    return this.reduceLeaves.get(nodeId);
  }
  locate(task: string): { exportName: string; method: string } {
    const info = this.ctx.manifest.tasks[task];
    if (!info) throw new Error(`internal: task ${task} is not in the manifest`);
    return info;
  }
  packed(id: string): Uint8Array | undefined {
    return this.results.packed(id);
  }
  resolve(value: Value): unknown {
    return resolveValue(value, this.ctx.input, (id) => this.results.read(id), this.inline);
  }
}
