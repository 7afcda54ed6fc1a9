import type { ConfigurationCosts, InstanceCosts } from "./instance-costs.js";
import type { PlanGraph } from "./plan-graph.js";
import type { SimulatedRun } from "./simulate.js";

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
  /** Predicted times of each instance's configuration as placed so far. */
  private readonly placedCosts: ConfigurationCosts[];
  private readonly firstUp = new Map<string, number>();
  private readonly graph: PlanGraph;
  private readonly base: SimulatedRun;
  private readonly baseCosts: ConfigurationCosts;

  constructor(costs: InstanceCosts, base: SimulatedRun, baseConfiguration: string) {
    const graph = costs.graph;
    this.graph = graph;
    this.base = base;
    const bc = costs.of(baseConfiguration);
    this.baseCosts = bc;
    const n = graph.size;
    this.groups = graph.ids.map(() => bc.name);
    this.placedCosts = graph.ids.map(() => bc);
    this.finish = new Float64Array(n);
    this.tailMs = new Float64Array(n);
    this.waitMs = new Float64Array(n);
    this.conditionalStore = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.conditionalStore[i] = graph.dependents[i]!.length === 1 && !graph.results.has(i) ? 1 : 0;
    // In the base schedule no conditional store happens (every dependent is on the base configuration).
    this.finish.set(base.endMs);
    for (let i = 0; i < n; i++) this.waitMs[i] = Math.max(0, base.startMs[i]! - this.inputsReady(i, bc));
    // Backward: the dependents' durations on the base configuration, reading this instance's output from Redis.
    const core = new Float64Array(n);
    for (let i = 0; i < n; i++) core[i] = base.endMs[i]! - base.startMs[i]!;
    const handoff = bc.handoffMs;
    const longest = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let tailMoved = 0;
      let tail = 0;
      for (const j of graph.dependents[i]!) {
        const local = base.worker[i] === base.worker[j];
        const through = this.waitMs[j]! + core[j]! + longest[j]!;
        tail = Math.max(tail, (local ? 0 : handoff) + through);
        tailMoved = Math.max(tailMoved, handoff + (local ? bc.fetchOutputMs[i]! : 0) + through);
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
    this.groups.fill(this.baseCosts.name);
    this.placedCosts.fill(this.baseCosts);
    this.finish.set(this.base.endMs);
  }

  /** Whether instance `i` on `config` writes its output to Redis, its dependents being where they are now. */
  stores(i: number, config: string): boolean {
    if (!this.conditionalStore[i]) return true;
    return this.groups[this.graph.dependents[i]![0]!] !== config;
  }

  /** When instance `i`'s inputs are all there for a worker of `c`'s configuration (ms after submission). */
  inputsReady(i: number, c: ConfigurationCosts): number {
    const deps = this.graph.deps[i]!;
    if (deps.length === 0) return c.handoffMs;
    const worker = this.base.worker;
    let ready = 0;
    for (const d of deps) {
      const sameGroup = this.groups[d] === c.name;
      let at = this.finish[d]!;
      if (this.conditionalStore[d] && !sameGroup) at += this.placedCosts[d]!.storeMs[d]!;
      if (!(sameGroup && worker[d] === worker[i])) at += c.handoffMs;
      if (at > ready) ready = at;
    }
    return ready;
  }

  /** Fetches (inputs not on its worker), execution and completion of instance `i` on `c`'s configuration (ms). */
  private coreMs(i: number, c: ConfigurationCosts): number {
    const worker = this.base.worker;
    let fetch = 0;
    for (const d of this.graph.deps[i]!) {
      if (!(this.groups[d] === c.name && worker[d] === worker[i])) fetch += c.fetchOutputMs[d]!;
    }
    return fetch + c.executionMs[i]! + c.updateMs;
  }

  /**
   * Predicted end of instance `i` on `c`'s configuration (ms after submission), its store included as its
   * dependents are placed now; {@link lastFinishMs} holds the same without a conditional store.
   */
  endMs(i: number, c: ConfigurationCosts, notBeforeMs = 0): number {
    this.lastStartMs = this.startMs(i, c, notBeforeMs);
    const upTo = this.lastStartMs + this.coreMs(i, c);
    const store = c.storeMs[i]!;
    this.lastFinishMs = this.conditionalStore[i] ? upTo : upTo + store;
    return this.stores(i, c.name) ? upTo + store : upTo;
  }

  /** See {@link endMs}. */
  lastFinishMs = 0;
  /** The start {@link endMs} assumed. */
  lastStartMs = 0;

  /**
   * When `c`'s configuration's workers, busy from the start, have done `workMs` of work: its warm workers
   * from 0, the others from a hand-off and a cold start on (all its `maxWorkers` × `threads` slots).
   */
  drainedAtMs(c: ConfigurationCosts, workMs: number): number {
    if (workMs <= 0) return 0;
    const config = c.config;
    const warm = Math.min(config.maxWorkers, config.warmWorkers?.length ?? 0) * config.threads;
    const all = config.maxWorkers * config.threads;
    const up = c.handoffMs + c.coldStartMs;
    if (warm > 0 && workMs <= warm * up) return workMs / warm;
    return up + (workMs - warm * up) / all;
  }

  /**
   * Start of instance `i` on `c`'s configuration: its inputs there, a worker up, not before
   * `notBeforeMs` (the configuration's queue), and on the base configuration after its base queue wait.
   */
  startMs(i: number, c: ConfigurationCosts, notBeforeMs = 0): number {
    const wait = c === this.baseCosts ? this.waitMs[i]! : 0;
    return Math.max(this.inputsReady(i, c) + wait, this.firstUpMs(c), notBeforeMs);
  }

  /** Earliest time a worker of `c`'s configuration can run a task: at once with warm workers, else after a hand-off and a cold start. */
  firstUpMs(c: ConfigurationCosts): number {
    let t = this.firstUp.get(c.name);
    if (t === undefined) {
      t = c === this.baseCosts || (c.config.warmWorkers?.length ?? 0) > 0 ? 0 : c.handoffMs + c.coldStartMs;
      this.firstUp.set(c.name, t);
    }
    return t;
  }

  /** Places instance `i` on `c`'s configuration, ending at `endMs` (its own conditional store excluded). */
  place(i: number, c: ConfigurationCosts, endMs: number): void {
    this.groups[i] = c.name;
    this.placedCosts[i] = c;
    this.finish[i] = endMs;
  }
}
