import { decodeStored } from "../codec/remote-codec.js";
import type { RunEventMessage } from "../protocol/run-events.js";
import { isOn } from "../scheduling/optimizations.js";
import { colocationOf, groupOf } from "../scheduling/run-plan.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import type { RunStore } from "../store/run-store.js";
import type { HeldOutput } from "./delayed-io.js";
import type { WorkerRun } from "./worker-run-cache.js";

/** Fan-ins with more inputs than this are not pre-loaded (their inputs would be read in one poll). */
const MAX_PRELOADED_FAN_IN = 256;

/** Between two reads of the inputs not announced yet (a missed message, a reconnection), ms; every fifth also reads the run's status. */
const POLL_MS = 200;

/**
 * Whether `target` is a fan-in whose inputs a worker pre-loads: the plan gives it a co-location
 * key, it reads at least two outputs, and pre-load is on for its task.
 */
export function isPreloadTarget(run: WorkerRun, target: TaskInstance): boolean {
  return (
    target.deps.length >= 2 &&
    target.deps.length <= MAX_PRELOADED_FAN_IN &&
    colocationOf(run.plan, target) !== undefined &&
    isOn(run.optimizations, run.taskOptions(target.task), "preload")
  );
}

/** The only dependent of `inst`, when there is one (an output held for it feeds nothing else). */
function onlyDependent(run: WorkerRun, inst: TaskInstance): TaskInstance | undefined {
  const ds = run.replica.directDependents(inst.id);
  return ds.length === 1 ? ds[0] : undefined;
}

/**
 * The fan-in `inst` pre-loads for: its only dependent, a pre-load target with the co-location key
 * of `inst` in this worker's group (the plan puts it here). Its output is not a run result and
 * expands nothing (it completes plainly).
 */
export function preloadTargetOf(run: WorkerRun, inst: TaskInstance, group: string): TaskInstance | undefined {
  if (run.plan.colocate === undefined) return undefined;
  const key = colocationOf(run.plan, inst);
  if (key === undefined) return undefined;
  const target = onlyDependent(run, inst);
  if (!target || colocationOf(run.plan, target) !== key || groupOf(run.plan, target) !== group || !isPreloadTarget(run, target)) return undefined;
  if (run.replica.resultRefs().has(inst.id) || run.replica.isBlocked(inst.id)) return undefined;
  return target;
}

/** Whether a stored output of `id` feeds a pre-load target (its store is then announced to pre-loaders). */
export function feedsPreload(run: WorkerRun, id: string): boolean {
  return run.replica.directDependents(id).some((d) => isPreloadTarget(run, d));
}

/** One fan-in this worker pre-loads. */
interface Waiter {
  run: WorkerRun;
  target: TaskInstance;
  /** Inputs read from the store (each complete: outputs are stored by their completion), by instance id. */
  values: Map<string, unknown>;
  loading: Set<string>;
  /** Inputs of the fan-in running here now (their chains hold them for it when they end). */
  running: Set<string>;
  /** Inputs made here, held (not completed) until every other input is complete. */
  local: HeldOutput[];
  state: "reserving" | "on" | "closed";
  unsubscribe?: () => Promise<void>;
  timer?: NodeJS.Timeout;
  polls: number;
}

/** What pre-load needs from its worker. */
export interface PreloadContext {
  store: RunStore;
  workerId: string;
  log: (line: string) => void;
  /**
   * Completes held outputs (not completed yet) of `run`: with `preloaded` the inputs read for
   * their fan-in, which their completion then claims here; without, as any completion.
   */
  complete(run: WorkerRun, held: HeldOutput[], preloaded?: { target: string; values: ReadonlyMap<string, unknown> }): void;
  /** Ends held outputs of a run that is over (their deliveries are acknowledged). */
  end(held: HeldOutput[]): void;
}

/**
 * Pre-load on one worker. A chain whose task's only dependent is a fan-in the plan puts on this
 * worker (same co-location key) reserves that fan-in when it starts (one worker per fan-in, in
 * Redis), subscribes to the run's event channel and reads each other input as soon as its
 * producer announces it stored (and in a slow poll, for a missed message). When the chain's task
 * ends, its output is held here, not completed, until every other input is complete: then it
 * completes with the inputs read, claims the fan-in (the ordinary atomic claim) and runs it with
 * its inputs in memory. While held, its deliveries stay unacknowledged: if this worker dies, the
 * input is made again elsewhere and the fan-in claimed there. The subscription ends with the
 * fan-in's claim, the run, or the worker ({@link drain}).
 */
export class Preloads {
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly ctx: PreloadContext) {}

  private keyOf(run: WorkerRun, target: TaskInstance): string {
    return `${run.runId}\u0000${target.id}`;
  }

  /** Open subscriptions (tests: none once runs end). */
  get open(): number {
    return this.waiters.size;
  }

  /** A chain is about to run `inst`: when it is an input of a fan-in planned here, that fan-in is pre-loaded. */
  begin(run: WorkerRun, inst: TaskInstance, group: string): void {
    const target = preloadTargetOf(run, inst, group);
    if (!target) return;
    const key = this.keyOf(run, target);
    let w = this.waiters.get(key);
    if (w?.state === "closed") return;
    if (!w) {
      w = { run, target, values: new Map(), loading: new Set(), running: new Set(), local: [], state: "reserving", polls: 0 };
      this.waiters.set(key, w);
    }
    w.running.add(inst.id);
    this.reserve(w, inst.id);
  }

  private reserve(w: Waiter, held: string): void {
    this.ctx.store.reservePreload(w.run.runId, w.target.id, this.ctx.workerId, [held]).then(
      (mine) => {
        if (w.state === "closed") return;
        if (!mine) {
          this.close(w, "other");
          return;
        }
        if (w.state === "reserving") {
          w.state = "on";
          void this.subscribe(w);
        }
        this.check(w);
      },
      (error: Error) => {
        this.ctx.log(`run ${w.run.runId} task ${w.target.id}: pre-load not reserved: ${error.message}`);
        this.close(w, "other");
      },
    );
  }

  private async subscribe(w: Waiter): Promise<void> {
    w.timer = setInterval(() => this.poll(w), POLL_MS);
    try {
      const unsubscribe = await this.ctx.store.watch(
        w.run.runId,
        () => this.close(w, "over"),
        (text) => {
          const ids = (JSON.parse(text) as RunEventMessage).s;
          if (ids) this.load(w, ids);
        },
      );
      if (w.state === "closed") await unsubscribe();
      else w.unsubscribe = unsubscribe;
    } catch (error) {
      this.ctx.log(`run ${w.run.runId} task ${w.target.id}: pre-load reads by polling: ${(error as Error).message}`);
    }
    // Inputs stored before the subscription.
    this.load(w, w.target.deps);
  }

  private poll(w: Waiter): void {
    if (w.run.over) {
      this.close(w, "over");
      return;
    }
    if (++w.polls % 5 === 0) {
      this.ctx.store.getMeta(w.run.runId).then(
        (meta) => {
          if (meta?.status !== "running") this.close(w, "over");
        },
        () => undefined,
      );
    }
    this.load(w, w.target.deps);
  }

  private isLocal(w: Waiter, id: string): boolean {
    return w.running.has(id) || w.local.some((h) => h.chain.inst.id === id);
  }

  /** Reads the inputs of `ids` the fan-in takes that are neither read, nor being read, nor made here. */
  private load(w: Waiter, ids: readonly string[]): void {
    if (w.state !== "on") return;
    const deps = new Set(w.target.deps);
    const wanted = [...new Set(ids)].filter((id) => deps.has(id) && !w.values.has(id) && !w.loading.has(id) && !this.isLocal(w, id));
    if (wanted.length === 0) return;
    for (const id of wanted) w.loading.add(id);
    this.ctx.store.readOutputs(w.run.runId, wanted).then(
      (texts) => {
        for (const id of wanted) w.loading.delete(id);
        if (w.state === "closed") return;
        try {
          texts.forEach((text, i) => {
            const id = wanted[i]!;
            if (text !== undefined) w.values.set(id, decodeStored(text, `stored output of instance ${id}`, w.run.maxValueBytes, id));
          });
        } catch (error) {
          // A value that does not decode: the fan-in's ordinary read reports it.
          this.ctx.log(`run ${w.run.runId} task ${w.target.id}: pre-load stopped: ${(error as Error).message}`);
          this.close(w, "other");
          return;
        }
        this.check(w);
      },
      (error: Error) => {
        for (const id of wanted) w.loading.delete(id);
        this.ctx.log(`run ${w.run.runId} task ${w.target.id}: pre-load read failed (tried again): ${error.message}`);
      },
    );
  }

  /**
   * The task of `h` ran here: when its only dependent is a fan-in pre-loaded here, its output is
   * held for it (true), and completes once every other input is complete. False: complete it now.
   */
  hold(h: HeldOutput): boolean {
    const target = onlyDependent(h.chain.run, h.chain.inst);
    const w = target && this.waiters.get(this.keyOf(h.chain.run, target));
    if (!w) return false;
    const id = h.chain.inst.id;
    if (w.state === "closed") {
      if (w.running.delete(id) && w.running.size === 0) this.waiters.delete(this.keyOf(w.run, target!));
      return false;
    }
    const begun = w.running.delete(id);
    w.local.push(h);
    // An input made here that did not start as the fan-in's (another key): marked held here too.
    if (!begun) this.reserve(w, id);
    this.check(w);
    return true;
  }

  /** Completes the held inputs once every other input of the fan-in was read. */
  private check(w: Waiter): void {
    if (w.state !== "on" || w.running.size > 0 || w.local.length === 0) return;
    if (!w.target.deps.every((x) => w.values.has(x) || this.isLocal(w, x))) return;
    const held = w.local.splice(0);
    const values = w.values;
    this.close(w, "claimed");
    this.ctx.complete(w.run, held, { target: w.target.id, values });
  }

  /**
   * Ends pre-loading `w`: `claimed` (its held inputs complete with the values), `other` (another
   * worker pre-loads it, or pre-load failed: held inputs complete as usual), `over` (the run
   * ended: held inputs are dropped).
   */
  private close(w: Waiter, why: "claimed" | "other" | "over"): void {
    if (w.state === "closed") return;
    w.state = "closed";
    clearInterval(w.timer);
    w.timer = undefined;
    const unsubscribe = w.unsubscribe;
    w.unsubscribe = undefined;
    unsubscribe?.().catch(() => undefined);
    // Stays in the map while chains still run (they must not reserve it again); gone with the run's cache entry otherwise.
    if (w.running.size === 0) this.waiters.delete(this.keyOf(w.run, w.target));
    w.values = new Map();
    const held = w.local.splice(0);
    if (held.length === 0) return;
    if (why === "over") this.ctx.end(held);
    else this.ctx.complete(w.run, held);
  }

  /** Deliveries only held inputs keep (they take no thread: the worker takes more work meanwhile). */
  deliveries(): number {
    const ids = new Set<string>();
    for (const w of this.waiters.values()) for (const h of w.local) for (const t of h.chain.tokens) for (const id of t.ids) ids.add(id);
    return ids.size;
  }

  /** The worker stops: every pre-load ends, held inputs complete as usual (their fan-ins run wherever they become ready). */
  drain(): void {
    for (const w of [...this.waiters.values()]) {
      w.running.clear();
      this.close(w, "other");
    }
    this.waiters.clear();
  }
}
