import type { BranchSelect, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { armOf } from "./branch-arm.js";
import { InlineFunctions } from "./inline-functions.js";
import { resolveValue } from "./resolve-value.js";
import { RunGraph, type SkippedTask } from "./run-graph.js";
import type { TaskInstance } from "./task-instance.js";
import { collectRefs } from "./value-ops.js";
import type { ShapeRead } from "./shape-cache.js";
import { DetachableSource, lengthsKey, settledGraphs } from "./settled-graphs.js";

/** Thrown inside a replica's value source when a read needs data this process does not have. */
class BlockedRead extends Error {
  constructor(readonly missing: string[]) {
    super("blocked read");
  }
}

/** What a real completion changed in the graph: instances created by expansions, lengths read. */
export interface Expansion {
  created: TaskInstance[];
  lengths: [string, number][];
}

/** The key under which the length of an array value is recorded: its concrete value as JSON. */
export function lengthKey(value: Value): string {
  return JSON.stringify(value);
}

/** The key under which the arm a branch test chose is recorded: `?` and its concrete value as JSON. */
export function armKey(test: Value): string {
  return `?${JSON.stringify(test)}`;
}

/** The instance ids a recorded length's (or branch decision's) key reads, added to `out`. */
export function refsOfKey(key: string, out: Set<string>): Set<string> {
  // An arm's key is its test's JSON after a `?` (see armKey).
  return collectRefs(JSON.parse(key.charCodeAt(0) === 63 ? key.slice(1) : key) as Value, out);
}

/**
 * One process's copy of a run's graph, rebuilt from the workflow, the input and the lengths
 * recorded in the store. RunGraph is deterministic, so every replica names instances alike.
 *
 * The replica simulates the run: every instance counts as complete except the ones whose
 * completion would read an array length or a branch decision nobody recorded yet (`blocked`:
 * they have not run, or they are running now). Structure questions (an instance's arguments and dependents) are then
 * answered for every instance that can exist so far. Readiness never comes from the replica: it
 * comes from the store's atomic counters.
 *
 * A replica whose simulation is not blocked anywhere (every length known: a fan-out over the
 * input, a run whose expansions all happened) never changes again; it is kept by shape, and a
 * later run of the same workflow with arrays of the same lengths and the same recorded lengths
 * uses it as is instead of building its own (a 1,000-wide fan-out costs 1-30 ms to build).
 */
export class GraphReplica {
  private graph!: RunGraph;
  private readonly blocked = new Set<string>();
  private known = new Map<string, TaskInstance>();
  /** Memo of {@link directDependents} for the current graph (shared with it when settled). */
  private direct = new Map<string, readonly TaskInstance[]>();
  private held: ReadonlyMap<string, unknown> = new Map();
  private recorded: [string, number][] = [];
  private resultRefsCache: Set<string> | undefined;
  /** Arrays read from the input by the current graph's build (its shape). */
  private inputReads: ShapeRead[] = [];
  /** Tasks of the branch arms the current graph did not take. */
  private skippedTasks: SkippedTask[] = [];
  /** Instances an unrecorded read (an expansion, a branch decision) needs the outputs of. */
  private readonly readSources = new Set<string>();

  /**
   * @param lengths - lengths and branch decisions recorded so far (array key → length, test key
   *   → arm); its size is the version.
   * @param inline - the bundle's inline functions (array values and tests may be inline steps).
   */
  constructor(
    readonly workflow: WorkflowIR,
    private readonly input: unknown,
    private lengths: Map<string, number>,
    private readonly inline = InlineFunctions.none,
  ) {
    const settled = settledGraphs.get(workflow, input, lengthsKey(lengths), inline);
    if (settled) {
      this.graph = settled.graph;
      this.known = settled.known;
      this.direct = settled.direct;
      this.skippedTasks = [...settled.skipped];
    } else {
      this.rebuild();
    }
  }

  /** Number of recorded lengths this replica was built with (compared by the store). */
  get version(): number {
    return this.lengths.size;
  }

  private read(value: Value): unknown {
    const refs = [...collectRefs(value, new Set())];
    if (refs.length === 0) {
      const actual = resolveValue(value, this.input, () => undefined, this.inline);
      if (Array.isArray(actual)) this.inputReads.push([value, actual.length]);
      return actual;
    }
    const key = lengthKey(value);
    const len = this.lengths.get(key);
    if (len !== undefined) return Array.from({ length: len });
    const actual = resolveValue(value, this.input, this.heldOrBlock(refs), this.inline);
    if (Array.isArray(actual)) this.recorded.push([key, actual.length]);
    return actual;
  }

  /** A branch decision: from the input, from the store's record, or made now from held outputs (and recorded). */
  private choose(test: Value, select: BranchSelect, arms: number): number {
    const refs = [...collectRefs(test, new Set())];
    if (refs.length === 0) {
      const arm = armOf(
        select,
        arms,
        resolveValue(test, this.input, () => undefined, this.inline),
      );
      this.inputReads.push([test, arm, select, arms]);
      return arm;
    }
    const key = armKey(test);
    const recorded = this.lengths.get(key);
    if (recorded !== undefined) return recorded;
    const arm = armOf(select, arms, resolveValue(test, this.input, this.heldOrBlock(refs), this.inline));
    this.recorded.push([key, arm]);
    return arm;
  }

  /** Reads held outputs; blocks the simulation when one of `refs` is not held here. */
  private heldOrBlock(refs: string[]): (id: string) => unknown {
    const missing = refs.filter((id) => !this.held.has(id));
    if (missing.length > 0 || this.held.size === 0) throw new BlockedRead(missing);
    return (id) => this.held.get(id);
  }

  private rebuild(): void {
    for (;;) {
      // Never mutate the current graph and map in place: a settled one may be shared with other runs.
      const source = new DetachableSource({
        read: (v) => this.read(v),
        choose: (t, s, n) => this.choose(t, s, n),
        skipped: (tasks) => this.skippedTasks.push(...tasks),
      });
      // The simulation completes instances before they run: an expansion then creates readers of
      // "complete" ones, which their real completion must still name (lateReaders).
      this.graph = new RunGraph(this.workflow, source, { lateReaders: true });
      this.known = new Map();
      this.direct = new Map();
      this.inputReads = [];
      this.skippedTasks = [];
      this.resultRefsCache = undefined;
      try {
        this.simulate(this.graph.start());
      } catch (error) {
        if (!(error instanceof BlockedSimulation)) throw error;
        this.blocked.add(error.instanceId);
        continue;
      }
      if (this.blocked.size === 0) {
        // Settled: it never reads again, so it must not keep this run's input alive.
        source.detach();
        const settled = { graph: this.graph, known: this.known, direct: this.direct, skipped: this.skippedTasks };
        settledGraphs.set(this.workflow, this.inputReads, lengthsKey(this.lengths), settled, this.graph.knownCount);
      }
      return;
    }
  }

  private simulate(ready: TaskInstance[]): void {
    const queue = [...ready];
    for (let inst = queue.pop(); inst; inst = queue.pop()) {
      this.known.set(inst.id, inst);
      if (this.blocked.has(inst.id)) continue;
      let next: TaskInstance[];
      try {
        next = this.graph.complete(inst.id);
      } catch (error) {
        if (error instanceof BlockedRead) {
          for (const id of error.missing) this.readSources.add(id);
          throw new BlockedSimulation(inst.id);
        }
        throw error;
      }
      queue.push(...next);
    }
  }

  /**
   * The tasks of the branch arms not taken, as far as the recorded decisions go (all of them once
   * the run is done).
   */
  skipped(): readonly SkippedTask[] {
    return this.skippedTasks;
  }

  /**
   * Whether an expansion or a branch decision nobody recorded yet reads `id`'s output: it must be
   * stored, since the instance that expands (the blocked one) may run on another worker.
   */
  feedsRead(id: string): boolean {
    return this.readSources.has(id);
  }

  /** Whether completing `id` expands the graph (it reads a length nobody recorded yet). */
  isBlocked(id: string): boolean {
    return this.blocked.has(id);
  }

  /** Rebuilds with newer lengths from the store. */
  refresh(lengths: Map<string, number>): void {
    this.lengths = lengths;
    this.blocked.clear();
    this.rebuild();
  }

  /** The instance `id` with its concrete arguments, when it can exist with the known lengths. */
  instance(id: string): TaskInstance | undefined {
    return this.known.get(id) ?? this.graph.instance(id);
  }

  /** Task instances reading `id`'s result. */
  dependents(id: string): TaskInstance[] {
    return this.graph.dependents(id);
  }

  /**
   * Task instances whose arguments read `id`'s output itself ({@link dependents} also lists the
   * readers of a map or reduce it fed), including those expansions created after the simulation
   * completed `id` (its own expansion's, or another's: `[a, b].map((x) => dbl(y).map((z) => add(x, z)))`
   * creates readers of `b` when `dbl` completes). Memoized until the graph changes: a run of a
   * shape seen before finds every answer computed.
   */
  directDependents(id: string): readonly TaskInstance[] {
    let found = this.direct.get(id);
    if (!found) {
      found = this.waitingDependents(id);
      this.direct.set(id, found);
    }
    return found;
  }

  /** {@link directDependents}, not memoized: for the completion that just expanded. */
  waitingDependents(id: string): TaskInstance[] {
    return this.graph.dependents(id).filter((d) => readsDirectly(d, id));
  }

  /** The workflow's result as a concrete value (complete once every length is recorded). */
  result(): Value {
    return this.graph.result();
  }

  /** Instance ids the workflow's result reads (their outputs must reach the client). */
  resultRefs(): Set<string> {
    this.resultRefsCache ??= collectRefs(this.graph.result(), new Set());
    return this.resultRefsCache;
  }

  /**
   * Completes `id` for real with the outputs this process holds (`held` includes `id`'s own):
   * expansions it triggers read their arrays from them. Returns what it created. Throws
   * {@link MissingOutputsError} when an expansion needs outputs held elsewhere.
   */
  completeReal(id: string, held: ReadonlyMap<string, unknown>): Expansion {
    if (!this.blocked.has(id)) return { created: [], lengths: [] };
    const before = this.graph.knownCount;
    const existing = this.allInstances();
    this.held = held;
    this.recorded = [];
    let ready: TaskInstance[];
    try {
      this.blocked.delete(id);
      ready = this.graph.complete(id);
    } catch (error) {
      this.blocked.add(id);
      this.held = new Map();
      if (error instanceof BlockedRead) {
        this.rebuild();
        throw new MissingOutputsError(error.missing);
      }
      throw error;
    }
    this.held = new Map();
    const lengths = this.recorded;
    for (const [key, len] of lengths) this.lengths.set(key, len);
    this.resultRefsCache = undefined;
    const created = this.findCreated(ready, existing, this.graph.knownCount - before);
    // Simulate the new instances too (they have not run; blocked ones stay so).
    this.rebuild();
    return { created, lengths };
  }

  /** Finds the `count` instances an expansion created: ready ones and the readers of known ones. */
  private findCreated(ready: TaskInstance[], existing: Set<string>, count: number): TaskInstance[] {
    const created = new Map<string, TaskInstance>();
    const visit = (inst: TaskInstance): void => {
      if (existing.has(inst.id) || created.has(inst.id)) return;
      created.set(inst.id, inst);
      for (const d of this.graph.dependents(inst.id)) visit(d);
    };
    for (const inst of ready) visit(inst);
    for (const id of existing) {
      if (created.size >= count) break;
      for (const d of this.graph.dependents(id)) visit(d);
    }
    return [...created.values()];
  }

  /**
   * The instances the recorded expansions (and branch decisions) reading `id`'s output created: the
   * instances of this graph that a graph without those records lacks. A fan-out whose callback
   * ignores its element (`xs.map(() => f(c))`) creates instances that do not read `id`, so no
   * dependents list names them; a redelivered `id` announces them again from this. Builds a graph:
   * for redeliveries only.
   */
  expansionOf(id: string): TaskInstance[] {
    const keys = new Set([...this.lengths.keys()].filter((key) => refsOfKey(key, new Set()).has(id)));
    if (keys.size === 0) return [];
    const without = new Map([...this.lengths].filter(([key]) => !keys.has(key)));
    const had = new GraphReplica(this.workflow, this.input, without, this.inline).allInstances();
    const out: TaskInstance[] = [];
    for (const x of this.allInstances()) {
      const inst = had.has(x) ? undefined : this.instance(x);
      if (inst) out.push(inst);
    }
    return out;
  }

  /** Ids of every task instance the graph knows: simulated ones and the ones waiting on them. */
  private allInstances(): Set<string> {
    const all = new Set(this.known.keys());
    const stack = [...all];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      for (const d of this.graph.dependents(id)) {
        if (!all.has(d.id)) {
          all.add(d.id);
          stack.push(d.id);
        }
      }
    }
    return all;
  }
}

const depSets = new WeakMap<TaskInstance, Set<string>>();

/** Whether `d`'s arguments read `id` (a Set for wide fan-ins, built once per instance). */
function readsDirectly(d: TaskInstance, id: string): boolean {
  if (d.deps.length <= 8) return d.deps.includes(id);
  let set = depSets.get(d);
  if (!set) depSets.set(d, (set = new Set(d.deps)));
  return set.has(id);
}

class BlockedSimulation extends Error {
  constructor(readonly instanceId: string) {
    super(`simulation blocked at ${instanceId}`);
  }
}

/** An expansion needs outputs this process does not hold; fetch them and retry. */
export class MissingOutputsError extends Error {
  constructor(readonly missing: string[]) {
    super(`an expansion needs the outputs of ${missing.join(", ")}`);
    this.name = "MissingOutputsError";
  }
}
