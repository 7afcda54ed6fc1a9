import type { PlanGraph } from "./plan-graph.js";
import type { Predictions } from "./predictions.js";
import type { GraphSizes } from "./simulate.js";
import type { WorkerConfiguration } from "./worker-configuration.js";

/** A configuration used for a group no configuration is published for (the default group of a gateway-less test, say). */
export function assumedConfiguration(name: string): WorkerConfiguration {
  return { name, memoryMb: 1024, cpus: undefined, cpusEnforced: false, threads: 1, maxWorkers: 64, keepAliveMs: 60_000 };
}

/**
 * What the predictions say about every instance of a plan graph on one configuration, computed
 * once per plan: a planner simulates several placements (and asks its schedule model many
 * what-ifs), and each would otherwise ask the predictions again per instance (map look-ups and
 * an object per call). Per-configuration constants are read once too.
 */
export class ConfigurationCosts {
  readonly name: string;
  /** Completing a task (ms). */
  readonly updateMs: number;
  /** Hand-off → start on an idle worker (ms). */
  readonly handoffMs: number;
  /** End of a task → start of a dependent its worker continues with (ms). */
  readonly continueMs: number;
  /** Submission → start of a root task on an idle worker (ms). */
  readonly rootStartMs: number;
  /** A worker's cold start (ms). */
  readonly coldStartMs: number;
  /** Predicted execution of each instance (ms), by index. */
  readonly executionMs: Float64Array;
  /** Samples each instance's execution rests on (0 when scaled from another configuration). */
  readonly samples: Int32Array;
  /** Storing each instance's output in Redis (ms). */
  readonly storeMs: Float64Array;
  /** Reading each instance's output from Redis, on its own (ms). */
  readonly fetchOutputMs: Float64Array;

  constructor(
    readonly config: WorkerConfiguration,
    private readonly predictions: Predictions,
    graph: PlanGraph,
    sizes: GraphSizes,
  ) {
    const name = config.name;
    this.name = name;
    this.updateMs = predictions.updateMs(name);
    this.handoffMs = predictions.handoffMs(name);
    this.continueMs = predictions.continueMs(name);
    this.rootStartMs = predictions.rootStartMs(name);
    this.coldStartMs = predictions.coldStartMs(name);
    const n = graph.size;
    this.executionMs = new Float64Array(n);
    this.samples = new Int32Array(n);
    this.storeMs = new Float64Array(n);
    this.fetchOutputMs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const exec = predictions.execution(graph.tasks[i]!, name, sizes.inputBytes[i]!);
      this.executionMs[i] = exec.ms;
      this.samples[i] = exec.scaledFrom === undefined ? exec.samples : 0;
      this.storeMs[i] = predictions.storeMs(name, sizes.outputBytes[i]!);
      this.fetchOutputMs[i] = predictions.fetchMs(name, sizes.outputBytes[i]!);
    }
  }

  /** Reading `bytes` from Redis on this configuration (ms). */
  fetchMs(bytes: number): number {
    return this.predictions.fetchMs(this.name, bytes);
  }
}

/** {@link ConfigurationCosts} of a plan, per configuration name, made on first use. */
export class InstanceCosts {
  private readonly byName = new Map<string, ConfigurationCosts>();

  constructor(
    readonly graph: PlanGraph,
    readonly predictions: Predictions,
    readonly sizes: GraphSizes,
    readonly configurations: ReadonlyMap<string, WorkerConfiguration>,
  ) {}

  of(name: string): ConfigurationCosts {
    let costs = this.byName.get(name);
    if (!costs) {
      costs = new ConfigurationCosts(this.configurations.get(name) ?? assumedConfiguration(name), this.predictions, this.graph, this.sizes);
      this.byName.set(name, costs);
    }
    return costs;
  }
}
