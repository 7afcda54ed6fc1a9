import type { BranchNode, BranchSelect, GraphBody, GraphNode, MapNode, ReduceNode, TaskNode, Value, WorkflowIR } from "@taskloom/sdk/internal";
import { armOf } from "./branch-arm.js";
import { RunGraphError } from "./run-graph-error.js";
import type { TaskInstance } from "./task-instance.js";
import { refList, simplifyGet, substitute, type Scope } from "./value-ops.js";
import { type Entry, type EntryNode, inlineTree, NO_WAITERS, positionsOf, readerEntry, type SkippedTask, skippedTasks, type Waiter } from "./graph-entries.js";

/** Gives the scheduler the run-time value of a concrete value whose dependencies are all complete. */
export interface ValueSource {
  read(value: Value): unknown;
  /**
   * The arm a branch takes for its concrete `test` (default: {@link armOf} of `read(test)`); a
   * replica answers from the decisions recorded in the store.
   */
  choose?(test: Value, select: BranchSelect, arms: number): number;
  /** Told of the task nodes of the arms a branch did not take (they never run). */
  skipped?(tasks: SkippedTask[]): void;
}

/** Options of a {@link RunGraph}. */
export interface RunGraphOptions {
  /**
   * Lists an entry created after one it reads completed among that one's dependents too (default
   * false: a local run only needs counts). A replica simulates instances complete before they run,
   * so an expansion creates readers of "complete" instances (`[a, b].map((x) => dbl(y).map((z) =>
   * add(x, z)))`: every `add[1][*]` reads `b`); their real completion must still name them.
   */
  lateReaders?: boolean;
}

export type { SkippedTask } from "./graph-entries.js";

/**
 * The pure scheduler of one run: the workflow's graph, expanded into task instances as lengths
 * become known, with a dependency count per instance. No I/O and no clock: feed it completions,
 * it answers with the instances that became ready. Deterministic: the same workflow, input and
 * completion lengths always give the same instance ids.
 *
 * @example
 * ```ts
 * const graph = new RunGraph(workflow, { read: (v) => resolveValue(v, input, (id) => results.get(id)) });
 * let ready = graph.start();
 * // run them; for each finished instance: ready.push(...graph.complete(id))
 * if (graph.done) resolveValue(graph.result(), input, (id) => results.get(id));
 * ```
 */
export class RunGraph {
  private readonly entries = new Map<string, Entry>();
  private readonly rootResult: Value;
  private readyOut: TaskInstance[] = [];
  private tasksKnown = 0;
  private tasksCompleted = 0;
  private entriesCompleted = 0;
  private started = false;

  private readonly lateReaders: boolean;

  constructor(
    private readonly workflow: WorkflowIR,
    private readonly source: ValueSource,
    options: RunGraphOptions = {},
  ) {
    this.lateReaders = options.lateReaders === true;
    const root: Scope = { parent: undefined, suffix: "", positions: positionsOf(workflow), nodes: [], map: undefined, element: undefined, index: 0 };
    this.rootResult = this.instantiate(workflow, root);
  }

  /** Returns the instances ready at submission. Call once. */
  start(): TaskInstance[] {
    if (this.started) throw new Error("RunGraph.start() was already called");
    this.started = true;
    for (const entry of [...this.entries.values()]) this.kick(entry);
    return this.takeReady();
  }

  /** Moves a new entry on when it can: a task without pending inputs, a fan-out of known length. */
  private kick(entry: Entry): void {
    if (entry.state === "expanding") this.tryExpand(entry, entry.pending === 0);
    else if (entry.state === "waiting" && entry.pending === 0) this.advance(entry);
  }

  /** Marks the task instance `instanceId` complete; returns the instances that became ready. */
  complete(instanceId: string): TaskInstance[] {
    const entry = this.entries.get(instanceId);
    if (entry?.node.kind !== "task") throw new Error(`unknown task instance ${instanceId}`);
    if (entry.state === "complete") return [];
    if (entry.state !== "ready") throw new Error(`task instance ${instanceId} completed before it was ready`);
    this.markComplete(entry);
    return this.takeReady();
  }

  /** True when every instance is complete and nothing is left to expand. */
  get done(): boolean {
    return this.entriesCompleted === this.entries.size;
  }

  /** Task instances known so far (grows as fan-outs expand). */
  get knownCount(): number {
    return this.tasksKnown;
  }

  get completedCount(): number {
    return this.tasksCompleted;
  }

  /** The workflow's result as a concrete value; valid once {@link done}. */
  result(): Value {
    return this.concretize(this.rootResult);
  }

  /** The task instances known so far that read `instanceId`'s result (through maps and reduces). */
  dependents(instanceId: string): TaskInstance[] {
    const start = this.entries.get(instanceId);
    if (!start) return [];
    const direct = this.directDependents(start);
    if (direct) return direct;
    const out = new Map<string, TaskInstance>();
    const visit = (entry: Entry): void => {
      for (const r of entry.waiters ?? NO_WAITERS) {
        const w = readerEntry(r);
        if (w.node.kind === "task") out.set(w.id, this.toInstance(w));
        else visit(w);
      }
    };
    visit(start);
    return [...out.values()];
  }

  /** The common case without a Map: a few waiters, all task entries. */
  private directDependents(entry: Entry): TaskInstance[] | undefined {
    const waiters = entry.waiters ?? NO_WAITERS;
    if (waiters.length > 16) return undefined;
    const out: TaskInstance[] = [];
    for (const r of waiters) {
      const w = readerEntry(r);
      if (w.node.kind !== "task") return undefined;
      if (out.length > 0 && out.some((o) => o.id === w.id)) continue;
      out.push(this.toInstance(w));
    }
    return out;
  }

  /** Ids of the known task instances that read `instanceId`'s result (cheap: no arguments built). */
  dependentIds(instanceId: string): string[] {
    const out = new Set<string>();
    const visit = (entry: Entry): void => {
      for (const r of entry.waiters ?? NO_WAITERS) {
        const w = readerEntry(r);
        if (w.node.kind === "task") out.add(w.id);
        else visit(w);
      }
    };
    const start = this.entries.get(instanceId);
    if (start) visit(start);
    return [...out];
  }

  /** The instance `instanceId`, once it is known and ready (or complete). */
  instance(instanceId: string): TaskInstance | undefined {
    const entry = this.entries.get(instanceId);
    if (entry?.node.kind !== "task" || entry.state === "waiting") return undefined;
    return this.toInstance(entry);
  }

  private instantiate(body: GraphBody, scope: Scope): Value {
    const { nodes } = body;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as GraphNode;
      const id = node.id + scope.suffix;
      scope.nodes[i] = { kind: "node", node: id };
      if (node.kind === "task") this.addEntry(id, node, substitute(node.args, scope), undefined);
      else if (node.kind === "inline") this.addEntry(id, node, { kind: "call", fn: node.fn, args: node.args.map((a) => substitute(a, scope)) }, undefined);
      else this.addEntry(id, node, undefined, scope);
    }
    return substitute(body.result, scope);
  }

  /** Adds a task entry with concrete `args`, an inline entry with its `call` value, or a virtual entry that expands in `scope`. */
  private addEntry(id: string, node: EntryNode, args: Value | undefined, scope: Scope | undefined): Entry {
    const entry: Entry = {
      id,
      node,
      state: node.kind === "task" || node.kind === "inline" ? "waiting" : "expanding",
      value: args,
      over: undefined,
      scope,
      pending: 0,
      waiters: undefined,
      structureWaiters: undefined,
      instance: undefined,
    };
    this.entries.set(id, entry);
    if (node.kind === "task") {
      this.tasksKnown++;
      this.waitFor(entry, args as Value);
    } else if (node.kind === "inline") {
      this.waitFor(entry, args as Value);
    } else {
      entry.over = substitute(node.kind === "map" ? node.over : node.kind === "branch" ? node.test : node.items, scope as Scope);
      this.waitFor(entry, entry.over);
      this.watchStructure(entry, entry.over);
    }
    if (this.started) this.kick(entry);
    return entry;
  }

  /** Counts the incomplete entries `value` reads and registers `entry` as their waiter. */
  private waitFor(entry: Entry, value: Value): void {
    entry.pending = 0;
    for (const id of refList(value)) {
      const dep = this.entries.get(id);
      if (!dep) throw new Error(`internal: ${entry.id} reads unknown ${id}`);
      if (dep.state === "complete") {
        if (this.lateReaders && entry.state !== "expanding") {
          if (dep.waiters) dep.waiters.push(entry);
          else dep.waiters = [entry];
        }
        continue;
      }
      entry.pending++;
      const waiter = { entry, state: entry.state };
      if (dep.waiters) dep.waiters.push(waiter);
      else dep.waiters = [waiter];
    }
  }

  /** Lets a virtual entry expand as soon as the maps it iterates over have expanded. */
  private watchStructure(entry: Entry, value: Value): void {
    for (const id of refList(value)) {
      const dep = this.entries.get(id);
      if (dep && dep.node.kind !== "task" && dep.state === "expanding") (dep.structureWaiters ??= []).push(entry);
    }
  }

  private markComplete(entry: Entry): void {
    entry.state = "complete";
    this.entriesCompleted++;
    if (entry.node.kind === "task") this.tasksCompleted++;
    // Readers are only ever added to complete entries, so the first `count` are waiters (and
    // the expansions below may add readers to this very list).
    const waiters = entry.waiters ?? NO_WAITERS;
    const count = waiters.length;
    for (let i = 0; i < count; i++) {
      const { entry: w, state } = waiters[i] as Waiter;
      if (w.state !== state) continue; // it moved on already (expanded from structure)
      w.pending--;
      if (w.pending === 0) {
        if (w.state === "expanding") this.tryExpand(w, true);
        else this.advance(w);
      }
    }
  }

  /** A waiting entry has all its inputs: a task becomes ready, a virtual entry completes. */
  private advance(entry: Entry): void {
    if (entry.node.kind === "task") {
      entry.state = "ready";
      this.readyOut.push(this.toInstance(entry));
    } else {
      this.markComplete(entry);
    }
  }

  private tryExpand(entry: Entry, depsComplete: boolean): void {
    if (entry.state !== "expanding") return;
    const node = entry.node as MapNode | ReduceNode | BranchNode;
    const scope = entry.scope as Scope;
    if (node.kind === "branch") {
      if (!depsComplete) return;
      entry.value = this.expandBranch(entry, node, scope);
    } else {
      const items = this.itemsOf(entry.over as Value, depsComplete, entry);
      if (!items) return;
      entry.value = node.kind === "map" ? this.expandMap(node, items, scope) : this.expandReduce(node, items, scope);
    }
    entry.state = "waiting";
    this.waitFor(entry, entry.value);
    const waiting = entry.structureWaiters;
    entry.structureWaiters = undefined;
    for (const w of waiting ?? []) this.tryExpand(w, w.pending === 0);
    if (entry.pending === 0) this.advance(entry);
  }

  private expandMap(node: MapNode, items: Value[], scope: Scope): Value {
    const positions = positionsOf(node.body);
    const results = items.map((element, index) => {
      const child: Scope = { parent: scope, suffix: `${scope.suffix}[${index}]`, positions, nodes: [], map: node.id, element, index };
      return { spread: node.flat, value: this.instantiate(node.body, child) };
    });
    return { kind: "array", items: results };
  }

  /** Reads the test, instantiates the taken arm, reports the others' tasks; returns the arm's result. */
  private expandBranch(entry: Entry, node: BranchNode, scope: Scope): Value {
    const test = this.concretize(entry.over as Value);
    const count = node.arms.length;
    const arm = this.source.choose ? this.source.choose(test, node.select, count) : armOf(node.select, count, this.source.read(test));
    if (!Number.isInteger(arm) || arm < 0 || arm >= count) throw new Error(`internal: branch ${entry.id} chose arm ${arm} of ${count}`);
    if (this.source.skipped) {
      const skipped: SkippedTask[] = [];
      node.arms.forEach((body, k) => {
        if (k !== arm) skippedTasks(body, scope.suffix, entry.id, skipped);
      });
      if (skipped.length > 0) this.source.skipped(skipped);
    }
    const body = node.arms[arm] as GraphBody;
    // Arm node ids are unique in the workflow: the arm's instances keep the enclosing scope's suffix.
    const child: Scope = { parent: scope, suffix: scope.suffix, positions: positionsOf(body), nodes: [], map: undefined, element: undefined, index: 0 };
    return this.instantiate(body, child);
  }

  private expandReduce(node: ReduceNode, items: Value[], scope: Scope): Value {
    if (items.length === 0) {
      throw new RunGraphError("TL_EMPTY_REDUCE", "treeReduce needs at least one item, got an empty array", node.loc);
    }
    if (node.fn !== undefined)
      return inlineTree(
        node.fn,
        node.args.map((a) => substitute(a, scope)),
        items,
      );
    let level = items;
    // Every pair shares one task node: an entry's arguments are its own `value`.
    const pair: TaskNode = { kind: "task", id: node.id, task: node.task, loc: node.loc, args: { kind: "array", items: [] } };
    for (let depth = 1; level.length > 1; depth++) {
      const next: Value[] = [];
      for (let k = 0; k + 1 < level.length; k += 2) {
        const args: Value = { kind: "array", items: [{ value: level[k] as Value }, { value: level[k + 1] as Value }] };
        const id = `${node.id}~${depth}.${k / 2}${scope.suffix}`;
        this.addEntry(id, pair, args, undefined);
        next.push({ kind: "node", node: id });
      }
      if (level.length % 2 === 1) next.push(level[level.length - 1] as Value);
      level = next;
    }
    return level[0] as Value;
  }

  /** The item values of an array value: from its structure when known, else by reading it. */
  private itemsOf(value: Value, depsComplete: boolean, entry: Entry): Value[] | undefined {
    const structural = this.structuralItems(value);
    if (structural) return structural;
    if (!depsComplete) return undefined;
    const concrete = this.concretize(value);
    const actual = this.source.read(concrete);
    if (!Array.isArray(actual)) {
      const what = actual === null ? "null" : typeof actual;
      const verb = entry.node.kind === "map" ? ".map/.flatMap/for..of" : "treeReduce";
      throw new RunGraphError("TL_MAP_NOT_ARRAY", `${verb} needs an array, got ${what}`, entry.node.loc);
    }
    return actual.map((_, i) => this.simplify({ kind: "get", of: concrete, path: [i] }));
  }

  private structuralItems(value: Value): Value[] | undefined {
    const v = this.simplify(value);
    switch (v.kind) {
      case "literal":
        return Array.isArray(v.value) ? v.value.map((x) => ({ kind: "literal" as const, value: x })) : undefined;
      case "array": {
        const out: Value[] = [];
        for (const item of v.items) {
          if (!item.spread) out.push(item.value);
          else {
            const inner = this.structuralItems(item.value);
            if (!inner) return undefined;
            out.push(...inner);
          }
        }
        return out;
      }
      case "node": {
        const expanded = this.expandedValue(v);
        return expanded ? this.structuralItems(expanded) : undefined;
      }
      default:
        return undefined;
    }
  }

  private simplify(value: Value): Value {
    return value.kind === "get" ? simplifyGet(this.simplify(value.of), value.path, (v) => this.expandedValue(v)) : value;
  }

  /** The value a virtual entry stands for, once it has expanded. */
  private expandedValue(value: Value): Value | undefined {
    if (value.kind !== "node") return undefined;
    const entry = this.entries.get(value.node);
    return entry && entry.node.kind !== "task" && entry.state !== "expanding" ? entry.value : undefined;
  }

  /** Replaces references to virtual entries by their values, leaving only task instance refs. */
  private concretize(value: Value): Value {
    switch (value.kind) {
      case "node": {
        const expanded = this.expandedValue(value);
        return expanded ? this.concretize(expanded) : value;
      }
      case "get": {
        const of = this.concretize(value.of);
        return of === value.of && !this.expandedValue(of) ? value : this.simplify({ kind: "get", of, path: value.path });
      }
      case "array": {
        let items: typeof value.items | undefined;
        value.items.forEach((item, i) => {
          const v = this.concretize(item.value);
          if (v === item.value) return;
          items ??= value.items.slice();
          items[i] = { spread: item.spread, value: v };
        });
        return items ? { kind: "array", items } : value;
      }
      case "object": {
        let entries: typeof value.entries | undefined;
        value.entries.forEach((entry, i) => {
          const v = this.concretize(entry.value);
          if (v === entry.value) return;
          entries ??= value.entries.slice();
          entries[i] = entry.spread ? { spread: true, value: v } : { key: entry.key, value: v };
        });
        return entries ? { kind: "object", entries } : value;
      }
      case "call": {
        let args: Value[] | undefined;
        value.args.forEach((arg, i) => {
          const v = this.concretize(arg);
          if (v === arg) return;
          args ??= value.args.slice();
          args[i] = v;
        });
        return args ? { kind: "call", fn: value.fn, args } : value;
      }
      default:
        return value;
    }
  }

  private toInstance(entry: Entry): TaskInstance {
    if (entry.instance) return entry.instance;
    const node = entry.node as TaskNode;
    const args = this.concretize(entry.value as Value);
    // An argument that projects an element out of a fan-out (`xs.map(f)[0]`) reads one instance,
    // yet the graph waits for the whole fan-out: its deps name every instance it waits for. A copy of
    // exact length otherwise: refList's array grew by push (17 slots for one id) and the instance keeps it.
    const deps = args === entry.value ? refList(args).slice() : this.waitedFor(entry.value as Value, refList(args));
    const instance: TaskInstance = { id: entry.id, nodeId: node.id, task: node.task, args, deps };
    if (deps.every((id) => this.entries.get(id)?.node.kind === "task")) entry.instance = instance;
    return instance;
  }

  /**
   * `direct` (the refs of the concrete arguments) followed by every other task instance that
   * `value` waits for through the virtual entries it reads (maps, reduces, branches, inline steps),
   * in a stable order. An entry not expanded yet stays as it is (the instance is not ready then).
   */
  private waitedFor(value: Value, direct: string[]): string[] {
    const out = new Set(direct);
    const seen = new Set<string>();
    const visit = (v: Value): void => {
      for (const id of refList(v)) {
        if (seen.has(id)) continue;
        seen.add(id);
        const e = this.entries.get(id);
        if (!e || e.node.kind === "task" || e.state === "expanding" || e.value === undefined) out.add(id);
        else visit(e.value);
      }
    };
    visit(value);
    return out.size === direct.length ? direct : [...out];
  }

  private takeReady(): TaskInstance[] {
    const out = this.readyOut;
    this.readyOut = [];
    return out;
  }

  /** The workflow this graph runs. */
  get ir(): WorkflowIR {
    return this.workflow;
  }
}
