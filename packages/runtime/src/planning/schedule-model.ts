import type { PlanGraph } from "./plan-graph.js";
import type { Predictions } from "./predictions.js";
import type { GraphSizes, SimulatedRun } from "./simulate.js";
import type { WorkerConfiguration } from "./worker-configuration.js";

/**
 * The simulated schedule of a base placement (every instance on one configuration) as a DAG of
 * durations, for fast what-if questions: what an instance would end at on another configuration,
 * given where its dependencies run, and how long the run goes on after it ends.
 *
 * An instance starts once its inputs arrived (each dependency's end, plus its store when it now
 * has to go through Redis, plus a hand-off unless it continues on the dependency's worker), plus
 * the queue wait it had in the base simulation (contention), never before its configuration can
 * have a worker up. Its duration is its fetches, execution, store and completion. From one forward
 * and one backward pass over the base simulation; each question costs O(its dependencies).
 */
export class ScheduleModel {
  /** Configuration of each instance as placed so far (the base one until moved). */
  readonly groups: string[];
  /** End of each instance as placed so far, without the store its single dependent may cause. */
  readonly finish: Float64Array;
  /** Longest time from an instance's end to the run's end in the base schedule, when its dependents stay where they are but read it from Redis. */
  readonly tailMs: Float64Array;
  /** Queue wait of each instance in the base simulation beyond its inputs' arrival. */
  private readonly waitMs: Float64Array;
  /** Whether an instance stores its output only when its single dependent runs elsewhere. */
  private readonly conditionalStore: Uint8Array;
  private readonly firstUp = new Map<string, number>();

  constructor(
    private readonly graph: PlanGraph,
    private readonly predictions: Predictions,
    private readonly sizes: GraphSizes,
    private readonly base: SimulatedRun,
    private readonly baseConfiguration: WorkerConfiguration,
  ) {
    const n = graph.size;
    /** Current configuration of each instance (the base one until moved). */
    this.groups = graph.ids.map(() => baseConfiguration.name);
    this.finish = new Float64Array(n);
    this.tailMs = new Float64Array(n);
    this.waitMs = new Float64Array(n);
    this.conditionalStore = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.conditionalStore[i] = graph.dependents[i]!.length === 1 && !graph.results.has(i) ? 1 : 0;
    const b = baseConfiguration.name;
    // In the base schedule no conditional store happens (every dependent is on the base configuration).
    this.finish.set(base.endMs);
    for (let i = 0; i < n; i++) this.waitMs[i] = Math.max(0, base.startMs[i]! - this.inputsReady(i, b));
    // Backward: the dependents' durations on the base configuration, reading this instance's output from Redis.
    const core = new Float64Array(n);
    for (let i = 0; i < n; i++) core[i] = base.endMs[i]! - base.startMs[i]!;
    const handoff = predictions.handoffMs(b);
    const longest = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let tailMoved = 0;
      let tail = 0;
      for (const j of graph.dependents[i]!) {
        const local = base.worker[i] === base.worker[j];
        const through = this.waitMs[j]! + core[j]! + longest[j]!;
        tail = Math.max(tail, (local ? 0 : handoff) + through);
        tailMoved = Math.max(tailMoved, handoff + (local ? predictions.fetchMs(b, sizes.outputBytes[i]!) : 0) + through);
      }
      longest[i] = tail;
      this.tailMs[i] = tailMoved;
    }
  }

  /**
   * Instances in the order their inputs arrived in the base simulation, ties by index: a
   * topological order (inputs arrive after the dependencies end) in which they reach the queues.
   */
  readyOrder(): Int32Array {
    if (this.order) return this.order;
    const ready = new Float64Array(this.graph.size);
    for (let i = 0; i < ready.length; i++) ready[i] = this.base.startMs[i]! - this.waitMs[i]!;
    const order = new Int32Array(ready.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    this.order = order.sort((a, b) => ready[a]! - ready[b]! || a - b);
    return this.order;
  }

  private order: Int32Array | undefined;

  /** Puts every instance back on the base configuration, as in the base simulation. */
  reset(): void {
    this.groups.fill(this.baseConfiguration.name);
    this.finish.set(this.base.endMs);
  }

  /** Whether instance `i` on `config` writes its output to Redis, its dependents being where they are now. */
  stores(i: number, config: string): boolean {
    if (!this.conditionalStore[i]) return true;
    return this.groups[this.graph.dependents[i]![0]!] !== config;
  }

  /** When instance `i`'s inputs are all there for a worker of `config` (ms after submission). */
  inputsReady(i: number, config: string): number {
    const deps = this.graph.deps[i]!;
    if (deps.length === 0) return this.predictions.handoffMs(config);
    let ready = 0;
    for (const d of deps) {
      const local = this.groups[d] === config && this.base.worker[d] === this.base.worker[i];
      let at = this.finish[d]!;
      if (this.conditionalStore[d] && this.groups[d] !== config) at += this.predictions.storeMs(this.groups[d]!, this.sizes.outputBytes[d]!);
      if (!local) at += this.predictions.handoffMs(config);
      if (at > ready) ready = at;
    }
    return ready;
  }

  /** Fetches (inputs not on its worker), execution and completion of instance `i` on `config` (ms). */
  private coreMs(i: number, config: string): number {
    const { predictions, sizes } = this;
    let fetch = 0;
    for (const d of this.graph.deps[i]!) {
      const local = this.groups[d] === config && this.base.worker[d] === this.base.worker[i];
      if (!local) fetch += predictions.fetchMs(config, sizes.outputBytes[d]!);
    }
    return fetch + predictions.execution(this.graph.tasks[i]!, config, sizes.inputBytes[i]!).ms + predictions.updateMs(config);
  }

  /**
   * Predicted end of instance `i` on `config` (ms after submission), its store included as its
   * dependents are placed now; {@link lastFinishMs} holds the same without a conditional store.
   */
  endMs(i: number, config: WorkerConfiguration, notBeforeMs = 0): number {
    const name = config.name;
    this.lastStartMs = this.startMs(i, config, notBeforeMs);
    const upTo = this.lastStartMs + this.coreMs(i, name);
    const store = this.predictions.storeMs(name, this.sizes.outputBytes[i]!);
    this.lastFinishMs = this.conditionalStore[i] ? upTo : upTo + store;
    return this.stores(i, name) ? upTo + store : upTo;
  }

  /** See {@link endMs}. */
  lastFinishMs = 0;
  /** The start {@link endMs} assumed. */
  lastStartMs = 0;

  /**
   * When `config`'s workers, busy from the start, have done `workMs` of work: its warm workers
   * from 0, the others from a hand-off and a cold start on (all its `maxWorkers` × `threads` slots).
   */
  drainedAtMs(config: WorkerConfiguration, workMs: number): number {
    if (workMs <= 0) return 0;
    const warm = Math.min(config.maxWorkers, config.warmWorkers?.length ?? 0) * config.threads;
    const all = config.maxWorkers * config.threads;
    const up = this.predictions.handoffMs(config.name) + this.predictions.coldStartMs(config.name);
    if (warm > 0 && workMs <= warm * up) return workMs / warm;
    return up + (workMs - warm * up) / all;
  }

  /**
   * Start of instance `i` on `config`: its inputs there, a worker of `config` up, not before
   * `notBeforeMs` (the configuration's queue), and on the base configuration after its base queue wait.
   */
  startMs(i: number, config: WorkerConfiguration, notBeforeMs = 0): number {
    const wait = config.name === this.baseConfiguration.name ? this.waitMs[i]! : 0;
    return Math.max(this.inputsReady(i, config.name) + wait, this.firstUpMs(config), notBeforeMs);
  }

  /** Earliest time a worker of `config` can run a task: at once with warm workers, else after a hand-off and a cold start. */
  firstUpMs(config: WorkerConfiguration): number {
    let t = this.firstUp.get(config.name);
    if (t === undefined) {
      t =
        config.name === this.baseConfiguration.name || (config.warmWorkers?.length ?? 0) > 0
          ? 0
          : this.predictions.handoffMs(config.name) + this.predictions.coldStartMs(config.name);
      this.firstUp.set(config.name, t);
    }
    return t;
  }

  /** Places instance `i` on `config`, ending at `endMs` (its own conditional store excluded). */
  place(i: number, config: string, endMs: number): void {
    this.groups[i] = config;
    this.finish[i] = endMs;
  }
}
