import { EventQueue } from "./event-queue.js";
import { InstanceCosts, type ConfigurationCosts } from "./instance-costs.js";
import type { PlanGraph } from "./plan-graph.js";
import type { Predictions } from "./predictions.js";
import { runCost, type RunCost } from "./run-cost.js";
import type { WorkerConfiguration } from "./worker-configuration.js";

/** Where each instance of a plan graph runs: its group (configuration) and co-location key, by index. */
export interface Placement {
  groups: readonly string[];
  colocate: readonly (string | undefined)[];
}

/** One simulated worker. */
export interface SimulatedWorker {
  /** `<configuration>#<n>`, n counting from 1 in the order the run used them. */
  name: string;
  configuration: string;
  /** Cold start paid by the run (0 for a warm worker left by an earlier run). */
  coldStartMs: number;
}

/** Predicted times of every instance (ms after submission) and what they rest on. */
export interface SimulatedRun {
  startMs: Float64Array;
  endMs: Float64Array;
  executionMs: Float64Array;
  transferMs: Float64Array;
  /** Cold start of the worker an instance was the first task of (when the run started that worker). */
  coldStartMs: Float64Array;
  samples: Int32Array;
  /** Index in {@link workers} of the worker each instance runs on. */
  worker: Int32Array;
  workers: SimulatedWorker[];
  /** The dependency whose completion made each instance ready (−1 for roots). */
  maker: Int32Array;
  /** Submission → the client has the result: the last instance's end, then the client's read of the results. */
  makespanMs: number;
  cost: RunCost;
  /** Instance indices of the critical path, first to last. */
  criticalPath: number[];
}

/** Per-instance sizes of a plan graph under predictions: configuration-independent, computed once per plan. */
export interface GraphSizes {
  inputBytes: Float64Array;
  outputBytes: Float64Array;
}

export function graphSizes(graph: PlanGraph, predictions: Predictions): GraphSizes {
  const inputBytes = new Float64Array(graph.size);
  const outputBytes = new Float64Array(graph.size);
  for (let i = 0; i < graph.size; i++) {
    let bytes = graph.staticBytes[i]!;
    for (const d of graph.deps[i]!) bytes += outputBytes[d]!;
    inputBytes[i] = bytes;
    outputBytes[i] = predictions.outputBytes(graph.tasks[i]!, bytes);
  }
  return { inputBytes, outputBytes };
}

export { assumedConfiguration } from "./instance-costs.js";

const READY = 0;
const END = 1;
const UP = 2;
const PREWARM = 3;

/** A worker of `group` the gateway starts `atMs` after submission, before work needs it (pre-warm). */
export interface PrewarmRequest {
  group: string;
  atMs: number;
}

interface Worker {
  group: number;
  config: WorkerConfiguration;
  free: number;
  /** Instances continued on this worker (co-located chains) waiting for one of its threads, from `localHead` on. */
  local: number[];
  localHead: number;
  up: boolean;
  idleSince: number;
}

/** The workers and queue of one group (configuration) in a simulation. */
interface Pool {
  costs: ConfigurationCosts;
  list: number[];
  queue: number[];
  head: number;
  starting: number;
  alive: number;
  /** Workers of the group made so far (names count from 1). */
  count: number;
  warmAdded: boolean;
}

/**
 * Simulates a run of `graph` under `placement`, as the remote runtime runs it: roots are handed off
 * at submission; a worker that completes an instance's last dependency continues with the first
 * dependent of its group (no hand-off), runs the dependents with its co-location key on its own
 * threads, and hands the others off to their group's queue, where the oldest worker with a free
 * thread takes them, or the gateway starts a worker (a cold start) while the configuration has
 * fewer than `maxWorkers`; else they wait. A thread starts its next task (continued, co-located or
 * queued) a measured turnaround after its last one ended (`Predictions.continueMs`). Warm workers of earlier runs take work without a cold
 * start while their keep-alive lasts. An output is stored in Redis when a dependent may read it
 * elsewhere or the client reads it; a dependent on another worker fetches it.
 * With `prewarm`, the gateway also starts a worker of each request's group at its time (while
 * the group has fewer than `maxWorkers`): up a cold start later, it takes work warm.
 * Deterministic: events are ordered by time, then by the order they were made.
 */
export function simulate(
  graph: PlanGraph,
  predictions: Predictions,
  configurations: ReadonlyMap<string, WorkerConfiguration>,
  placement: Placement,
  sizes: GraphSizes = graphSizes(graph, predictions),
  prewarm: readonly PrewarmRequest[] = [],
  costs: InstanceCosts = new InstanceCosts(graph, predictions, sizes, configurations),
): SimulatedRun {
  const n = graph.size;
  const startMs = new Float64Array(n);
  const endMs = new Float64Array(n);
  const executionMs = new Float64Array(n);
  const transferMs = new Float64Array(n);
  const coldStartMs = new Float64Array(n);
  const samples = new Int32Array(n);
  const workerOf = new Int32Array(n).fill(-1);
  const maker = new Int32Array(n).fill(-1);
  const pending = new Int32Array(n);
  for (let i = 0; i < n; i++) pending[i] = graph.deps[i]!.length;
  // Groups by index (in the order they first appear), so that the loop below compares integers.
  const groupOf = new Int32Array(n);
  const pools: Pool[] = [];
  const poolIndex = new Map<string, number>();
  const indexOf = (group: string): number => {
    let g = poolIndex.get(group);
    if (g === undefined) {
      g = pools.length;
      poolIndex.set(group, g);
      pools.push({ costs: costs.of(group), list: [], queue: [], head: 0, starting: 0, alive: 0, count: 0, warmAdded: false });
    }
    return g;
  };
  let lastGroup: string | undefined;
  let lastIndex = -1;
  for (let i = 0; i < n; i++) {
    const group = placement.groups[i]!;
    if (group !== lastGroup) {
      lastGroup = group;
      lastIndex = indexOf(group);
    }
    groupOf[i] = lastIndex;
  }
  const colocate = placement.colocate;
  const workers: Worker[] = [];
  const simWorkers: SimulatedWorker[] = [];
  function addWorker(g: number, up: boolean, idleSince: number): number {
    const p = pools[g]!;
    const config = p.costs.config;
    p.count++;
    workers.push({ group: g, config, free: up ? config.threads : 0, local: [], localHead: 0, up, idleSince });
    simWorkers.push({ name: `${config.name}#${p.count}`, configuration: config.name, coldStartMs: up ? 0 : p.costs.coldStartMs });
    return workers.length - 1;
  }
  /** A group's pool, with the warm workers of earlier runs the first time it is used. */
  const pool = (g: number): Pool => {
    const p = pools[g]!;
    if (!p.warmAdded) {
      p.warmAdded = true;
      const config = p.costs.config;
      for (const left of config.warmWorkers ?? []) {
        if (p.alive >= config.maxWorkers) break;
        p.list.push(addWorker(g, true, left - config.keepAliveMs));
        p.alive++;
      }
    }
    return p;
  };
  const stores = (i: number): boolean => {
    const ds = graph.dependents[i]!;
    return graph.results.has(i) || ds.length !== 1 || groupOf[ds[0]!] !== groupOf[i];
  };
  const events = new EventQueue();
  const start = (i: number, w: number, t: number): void => {
    const c = pools[groupOf[i]!]!.costs;
    workerOf[i] = w;
    startMs[i] = t;
    // A worker reads every input another worker stored in one round trip: one transfer of their bytes.
    let remoteBytes = 0;
    let remote = false;
    for (const d of graph.deps[i]!) {
      if (workerOf[d] === w) continue;
      remote = true;
      remoteBytes += sizes.outputBytes[d]!;
    }
    const fetch = remote ? c.fetchMs(Math.max(1, remoteBytes)) : 0;
    const exec = c.executionMs[i]!;
    const store = stores(i) ? c.storeMs[i]! : 0;
    executionMs[i] = exec;
    samples[i] = c.samples[i]!;
    transferMs[i] = fetch + store;
    endMs[i] = t + fetch + exec + store + c.updateMs;
    events.push(endMs[i]!, END, i);
  };
  /**
   * A thread of `w` is free at `t`: its co-located work first, then its group's queue, started
   * `turnaroundMs` later (the thread's turnaround after a task; 0 for a worker that just came up).
   */
  const takeWork = (w: number, t: number, turnaroundMs = 0): void => {
    const worker = workers[w]!;
    const p = pool(worker.group);
    const next = worker.localHead < worker.local.length ? worker.local[worker.localHead++] : p.head < p.queue.length ? p.queue[p.head++] : undefined;
    if (next === undefined) {
      worker.free++;
      worker.idleSince = t;
      return;
    }
    start(next, w, t + turnaroundMs);
  };
  const startWorker = (g: number, t: number): void => {
    const p = pools[g]!;
    const w = addWorker(g, false, t);
    p.list.push(w);
    p.alive++;
    p.starting++;
    events.push(t + simWorkers[w]!.coldStartMs, UP, w);
  };
  const handOff = (i: number, t: number): void => {
    const g = groupOf[i]!;
    const p = pool(g);
    const config = p.costs.config;
    for (const w of p.list) {
      const worker = workers[w]!;
      if (!worker.up || worker.free === 0) continue;
      if (t - worker.idleSince > config.keepAliveMs && worker.free === config.threads) {
        // Idle past its keep-alive: the gateway stopped it.
        worker.up = false;
        worker.free = 0;
        p.alive--;
        continue;
      }
      worker.free--;
      start(i, w, t);
      return;
    }
    p.queue.push(i);
    const waiting = p.queue.length - p.head;
    if (p.alive < config.maxWorkers && waiting > p.starting * config.threads) startWorker(g, t);
  };
  for (let i = 0; i < n; i++) if (pending[i] === 0) events.push(pools[groupOf[i]!]!.costs.rootStartMs, READY, i);
  const prewarmGroups = prewarm.map((r) => indexOf(r.group));
  for (let k = 0; k < prewarm.length; k++) events.push(Math.max(0, prewarm[k]!.atMs), PREWARM, k);
  while (events.size > 0) {
    const t = events.pop();
    const kind = events.kind;
    const x = events.item;
    if (kind === READY) {
      handOff(x, t);
      continue;
    }
    if (kind === PREWARM) {
      const g = prewarmGroups[x]!;
      const p = pool(g);
      if (p.alive < p.costs.config.maxWorkers) startWorker(g, t);
      continue;
    }
    if (kind === UP) {
      const worker = workers[x]!;
      const p = pool(worker.group);
      p.starting--;
      worker.up = true;
      worker.idleSince = t;
      for (let k = 0; k < worker.config.threads; k++) {
        const before = p.head;
        takeWork(x, t);
        if (p.head !== before) coldStartMs[p.queue[before]!] = simWorkers[x]!.coldStartMs;
      }
      continue;
    }
    // END of instance x on worker w.
    const w = workerOf[x]!;
    const g = groupOf[x]!;
    const key = colocate[x];
    const continueMs = pools[g]!.costs.continueMs;
    let kept = false;
    for (const d of graph.dependents[x]!) {
      if (--pending[d]! > 0) continue;
      maker[d] = x;
      const sameGroup = groupOf[d] === g;
      if (sameGroup && !kept) {
        kept = true;
        start(d, w, t + continueMs);
      } else if (sameGroup && key !== undefined && colocate[d] === key) {
        const worker = workers[w]!;
        if (worker.free > 0) {
          worker.free--;
          start(d, w, t + continueMs);
        } else worker.local.push(d);
      } else events.push(t + pools[groupOf[d]!]!.costs.handoffMs, READY, d);
    }
    if (!kept) takeWork(w, t, continueMs);
  }
  let lastEndMs = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (last < 0 || endMs[i]! > lastEndMs) {
      lastEndMs = endMs[i]!;
      last = i;
    }
  }
  const makespanMs = lastEndMs + resultReadMs(graph, predictions, sizes, groupOf, pools);
  const criticalPath: number[] = [];
  for (let i = last; i >= 0; i = maker[i]!) criticalPath.push(i);
  criticalPath.reverse();
  return {
    startMs,
    endMs,
    executionMs,
    transferMs,
    coldStartMs,
    samples,
    worker: workerOf,
    workers: simWorkers,
    maker,
    makespanMs,
    cost: costOf(n, startMs, endMs, workerOf, simWorkers, workers),
    criticalPath,
  };
}

/**
 * The client's read of the run's result once its last task ended (a 2 MB matrix takes tens of ms
 * to read and decode; the run has not ended for its user before): the reads earlier runs' clients
 * measured of the result's tasks; without those, the results' stored outputs in one transfer from
 * Redis, on the transfer model of the configuration that ran the largest of them.
 */
function resultReadMs(graph: PlanGraph, predictions: Predictions, sizes: GraphSizes, groupOf: Int32Array, pools: readonly Pool[]): number {
  let measured = 0;
  for (const r of graph.results) {
    const ms = predictions.resultReadMs(graph.tasks[r]!, sizes.outputBytes[r]!);
    if (ms === undefined) {
      measured = -1;
      break;
    }
    measured += ms;
  }
  if (measured >= 0 && graph.results.size > 0) return measured;
  let bytes = 0;
  let largest = -1;
  for (const r of graph.results) {
    bytes += sizes.outputBytes[r]!;
    if (largest < 0 || sizes.outputBytes[r]! > sizes.outputBytes[largest]!) largest = r;
  }
  return largest < 0 || bytes <= 0 ? 0 : pools[groupOf[largest]!]!.costs.fetchMs(bytes);
}

function costOf(n: number, startMs: Float64Array, endMs: Float64Array, workerOf: Int32Array, sim: SimulatedWorker[], workers: Worker[]): RunCost {
  const first = new Float64Array(sim.length).fill(Number.POSITIVE_INFINITY);
  const lastEnd = new Float64Array(sim.length);
  for (let i = 0; i < n; i++) {
    const w = workerOf[i]!;
    if (w < 0) continue;
    first[w] = Math.min(first[w]!, startMs[i]!);
    lastEnd[w] = Math.max(lastEnd[w]!, endMs[i]!);
  }
  const spans = [];
  for (let w = 0; w < sim.length; w++) {
    if (first[w] === Number.POSITIVE_INFINITY) continue;
    spans.push({
      worker: sim[w]!.name,
      configuration: sim[w]!.configuration,
      memoryMb: workers[w]!.config.memoryMb,
      firstStartMs: first[w]!,
      lastEndMs: lastEnd[w]!,
      coldStartMs: sim[w]!.coldStartMs,
    });
  }
  return runCost(spans);
}
