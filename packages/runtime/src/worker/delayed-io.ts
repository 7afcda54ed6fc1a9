import type { BatchCompletion, DelayRequest } from "../store/run-store.js";
import type { TaskInstance } from "../scheduling/task-instance.js";
import { isOn } from "../scheduling/optimizations.js";
import type { MetricsSource, TaskMetricsRow } from "../report/metrics-record.js";
import type { Chain } from "./chain-batch.js";
import { keepsLarge } from "./task-clustering.js";
import type { WorkerRun } from "./worker-run-cache.js";

/** Dependents with more inputs than this are not waited for (their inputs' lists would travel with every check). */
const MAX_WAITED_FAN_IN = 64;

/** First wait before a held output is checked again, and the longest wait between two checks (ms). */
const FIRST_RECHECK_MS = 5;
const MAX_RECHECK_MS = 100;

/**
 * The delayed-I/O part of a batch completion (see DelayRequest): the items whose output is large,
 * with delayed I/O on for their task, whose dependents all run in this worker's group and wait
 * for at most {@link MAX_WAITED_FAN_IN} inputs, and of which one waits for another input. An
 * item held for `delayedIoMaxMs` already is `final`. Undefined when no item qualifies.
 */
export function delayRequest(
  run: WorkerRun,
  workerId: string,
  chains: readonly Chain[],
  items: readonly BatchCompletion[],
  deps: readonly (readonly TaskInstance[])[],
  sizeOf: ReadonlyMap<string, number>,
  now: number,
): DelayRequest | undefined {
  const max = run.optimizations.delayedIoMaxMs;
  if (max === 0) return undefined;
  const request: DelayRequest = { worker: workerId, items: [], deps: {} };
  items.forEach((it, n) => {
    const c = chains[n]!;
    const ds = deps[n]!;
    const bytes = sizeOf.get(c.inst.id) ?? 0;
    if (it.always || ds.length === 0 || !keepsLarge(run, c.inst, bytes, "delayedIo")) return;
    if (!ds.some((d) => d.deps.length > 1) || ds.some((d) => d.deps.length > MAX_WAITED_FAN_IN)) return;
    const final = c.heldSince !== undefined && now - c.heldSince >= max;
    const yieldToLarger = isOn(run.optimizations, run.taskOptions(c.inst.task), "clustering");
    request.items.push({ index: n, bytes: Math.round(bytes), final, yieldToLarger });
    for (const d of ds) request.deps[d.id] ??= [...d.deps];
  });
  return request.items.length > 0 ? request : undefined;
}

/** A chain whose output delayed I/O holds on this worker, with what completing it needs. */
export interface HeldOutput {
  chain: Chain;
  output: unknown;
  size: number;
  /** Its metrics row, recorded once it completes. */
  row: TaskMetricsRow;
  source: MetricsSource;
  /** Checks so far (for the backoff). */
  checks: number;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * The outputs delayed I/O holds on this worker. Each is checked again (completed, or held again,
 * by the same atomic step) after a backoff of 5, 10, 20 … ms, at most 100 ms apart, and a last
 * time when `delayedIoMaxMs` has passed since it was first held: that check completes it. A
 * completing batch takes with it the held outputs that feed one of its dependents (both are in
 * memory here: completed together, neither is stored). Their deliveries stay unacknowledged while
 * held: if this worker dies, they are redelivered and the outputs made again elsewhere.
 */
export class HeldOutputs {
  private readonly held = new Set<HeldOutput>();

  /** @param recheck - called when a held output is due for its next check (removed from the set). */
  constructor(private readonly recheck: (h: HeldOutput) => void) {}

  get size(): number {
    return this.held.size;
  }

  /** Holds `h` (its chain's `heldSince` set) and schedules its next check. */
  hold(h: HeldOutput): void {
    h.chain.heldSince ??= Date.now();
    const max = h.chain.run.optimizations.delayedIoMaxMs;
    const left = h.chain.heldSince + max - Date.now();
    const wait = Math.max(0, Math.min(FIRST_RECHECK_MS * 2 ** h.checks, MAX_RECHECK_MS, left));
    h.checks++;
    this.held.add(h);
    h.timer = setTimeout(() => {
      if (!this.held.delete(h)) return;
      h.timer = undefined;
      this.recheck(h);
    }, wait);
  }

  /** Deliveries that only held outputs keep (those do not take a thread: the worker takes more work meanwhile). */
  deliveries(): number {
    const ids = new Set<string>();
    for (const h of this.held) for (const t of h.chain.tokens) for (const id of t.ids) ids.add(id);
    return ids.size;
  }

  /** Removes and returns the held outputs of `run` that feed a dependent of one of `ids`. */
  takeFeeding(run: WorkerRun, ids: readonly string[]): HeldOutput[] {
    if (this.held.size === 0) return [];
    const wanted = new Set<string>();
    for (const id of ids) for (const d of run.replica.directDependents(id)) wanted.add(d.id);
    const out: HeldOutput[] = [];
    for (const h of this.held) {
      if (h.chain.run !== run || !run.replica.directDependents(h.chain.inst.id).some((d) => wanted.has(d.id))) continue;
      clearTimeout(h.timer);
      this.held.delete(h);
      out.push(h);
    }
    return out;
  }

  /** Stops every check (the worker stops: the held deliveries go back to the queue unacknowledged). */
  clear(): void {
    for (const h of this.held) clearTimeout(h.timer);
    this.held.clear();
  }
}
