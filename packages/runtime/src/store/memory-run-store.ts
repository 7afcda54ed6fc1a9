import { EventEmitter } from "node:events";
import type {
  CompleteBatchRequest,
  CompleteBatchResult,
  CompleteRequest,
  CompleteResult,
  RunErrorRecord,
  RunEventListener,
  RunEventMessageListener,
  RunIndexEntry,
  RunMeta,
  RunStatus,
  RunStore,
  StoredRunMeta,
} from "./run-store.js";
import { RUN_INDEX_KEEP_MS } from "./run-store.js";

interface MemoryRun {
  meta: StoredRunMeta;
  done: Set<string>;
  counts: Map<string, number>;
  outputs: Map<string, string>;
  lengths: Map<string, number>;
  /** Outputs held on their worker by delayed I/O: instance id → bytes and worker. */
  held: Map<string, { bytes: number; worker: string }>;
  /** Fan-in id → the worker that pre-loads its inputs. */
  preloads: Map<string, string>;
  error: RunErrorRecord | undefined;
}

/**
 * In-memory {@link RunStore}: the same semantics as the Redis store, for tests and for running the
 * remote protocol inside one process. Not shared between processes.
 */
export class MemoryRunStore implements RunStore {
  private readonly blobs = new Map<string, Buffer>();
  private readonly runs = new Map<string, MemoryRun>();
  private readonly metrics = new Map<string, string[]>();
  private readonly events = new EventEmitter();
  private readonly index = new Map<string, RunIndexEntry>();
  private readonly plans = new Map<string, string>();
  private watchedUntil = 0;

  async putBlob(kind: "manifest" | "bundle", hash: string, data: Buffer): Promise<boolean> {
    const key = `${kind}:${hash}`;
    if (this.blobs.has(key)) return false;
    this.blobs.set(key, Buffer.from(data));
    return true;
  }

  async hasBlob(kind: "manifest" | "bundle", hash: string): Promise<boolean> {
    return this.blobs.has(`${kind}:${hash}`);
  }

  async getBlob(kind: "manifest" | "bundle", hash: string): Promise<Buffer | undefined> {
    return this.blobs.get(`${kind}:${hash}`);
  }

  async createRun(runId: string, meta: RunMeta): Promise<void> {
    this.runs.set(runId, {
      meta: { ...meta, status: "running", bytesWritten: 0 },
      done: new Set(),
      counts: new Map(),
      outputs: new Map(),
      lengths: new Map(),
      held: new Map(),
      preloads: new Map(),
      error: undefined,
    });
    this.metrics.set(runId, []);
  }

  async getMeta(runId: string): Promise<StoredRunMeta | undefined> {
    const run = this.runs.get(runId);
    return run ? { ...run.meta } : undefined;
  }

  async getLengths(runId: string): Promise<Map<string, number>> {
    return new Map(this.runs.get(runId)?.lengths ?? []);
  }

  async complete(req: CompleteRequest): Promise<CompleteResult> {
    const run = this.runs.get(req.runId);
    if (run?.meta.status !== "running") {
      return { status: "inactive", runStatus: run ? run.meta.status : "missing" };
    }
    if (run.lengths.size !== req.lengthsVersion) return { status: "stale", lengthsVersion: run.lengths.size };
    const redelivered = run.done.has(req.instanceId);
    const ready: string[] = [];
    const counts = new Map<string, number>();
    if (!redelivered) {
      for (const c of req.created) {
        const count = c.deps.filter((d) => d === req.instanceId || run.done.has(d)).length;
        counts.set(c.id, count);
        if (count === c.need) ready.push(c.id);
      }
      for (const d of req.dependents) {
        const count = (run.counts.get(d.id) ?? 0) + 1;
        counts.set(d.id, count);
        if (count === d.need) ready.push(d.id);
      }
    } else {
      for (const d of [...req.dependents, ...req.created]) if ((run.counts.get(d.id) ?? -1) === d.need) ready.push(d.id);
    }
    const total = req.dependents.length + req.created.length;
    const limit = /^keep:(\d+)$/.exec(req.write)?.[1];
    const write =
      limit !== undefined ? redelivered || ready.length !== total || total > Number(limit) : req.write === "always" || !(total === 1 && ready.length === 1);
    if (write && req.output === "") return { status: "resend" };
    run.done.add(req.instanceId);
    if (!redelivered) {
      for (const [key, len] of req.lengths) run.lengths.set(key, len);
      run.meta.known += req.knownDelta;
      for (const [id, count] of counts) run.counts.set(id, count);
    }
    if (write) {
      if (!run.outputs.has(req.instanceId)) run.meta.bytesWritten += Buffer.byteLength(req.output);
      run.outputs.set(req.instanceId, req.output);
    }
    if (req.metrics !== undefined) this.metrics.get(req.runId)?.push(req.metrics);
    const fetched: Record<string, string> = {};
    const first = ready[0];
    for (const id of first === undefined ? [] : (req.fetch[first] ?? [])) {
      const value = run.outputs.get(id);
      if (value !== undefined) fetched[id] = value;
    }
    const finished = run.done.size === run.meta.known;
    if (finished) this.setStatus(req.runId, run, "done");
    return { status: "ok", ready, fetched, finished, redelivered, written: write };
  }

  async completeBatch(req: CompleteBatchRequest): Promise<CompleteBatchResult> {
    const run = this.runs.get(req.runId);
    if (run?.meta.status !== "running") return { status: "inactive", runStatus: run ? run.meta.status : "missing" };
    if (run.lengths.size !== req.lengthsVersion) return { status: "stale", lengthsVersion: run.lengths.size };
    // An instance already complete, or listed twice in the batch, counts once.
    const seen = new Set<string>();
    const again = req.items.map((it) => {
      const repeated = run.done.has(it.id) || seen.has(it.id);
      seen.add(it.id);
      return repeated;
    });
    const need = new Map<string, number>();
    const inc = new Map<string, number>();
    req.items.forEach((it, n) => {
      for (const d of it.dependents) {
        need.set(d.id, d.need);
        inc.set(d.id, (inc.get(d.id) ?? 0) + (again[n] ? 0 : 1));
      }
    });
    const held = holdItems(run, req, again, inc);
    req.items.forEach((it, n) => {
      if (held.has(n)) for (const d of it.dependents) inc.set(d.id, (inc.get(d.id) ?? 0) - 1);
    });
    const count = new Map([...inc].map(([id, k]) => [id, (run.counts.get(id) ?? 0) + k]));
    const ready = (id: string): boolean => count.get(id) === need.get(id);
    const claimedBy = new Map<string, number>();
    const claims = new Map<number, string>();
    const extra: [number, string][] = [];
    const cluster = new Set(req.cluster ?? []);
    let budget = req.budget ?? 0;
    req.items.forEach((it, n) => {
      if (held.has(n)) return;
      for (const d of it.dependents) {
        if (!d.claimable || !ready(d.id) || claimedBy.has(d.id)) continue;
        if (!claims.has(n)) claims.set(n, d.id);
        else if (budget > 0) {
          extra.push([n, d.id]);
          budget--;
        } else break;
        claimedBy.set(d.id, n);
        if (!cluster.has(n)) break;
      }
    });
    const write = req.items.map(
      (it, n) => !held.has(n) && (it.always || again[n] || it.dependents.length === 0 || it.dependents.some((d) => !claimedBy.has(d.id))),
    );
    const resend = req.items.filter((it, n) => write[n] && req.outputs[it.id] === undefined).map((it) => it.id);
    if (resend.length > 0) return { status: "resend", ids: resend };
    req.items.forEach((it, n) => {
      if (held.has(n)) return;
      run.done.add(it.id);
      const out = req.outputs[it.id];
      if (write[n] && out !== undefined && !run.outputs.has(it.id)) {
        run.meta.bytesWritten += Buffer.byteLength(out);
        run.outputs.set(it.id, out);
      }
    });
    for (const [id, k] of inc) if (k > 0) run.counts.set(id, count.get(id) ?? 0);
    if (req.metrics) this.metrics.get(req.runId)?.push(req.metrics);
    const fetched: Record<string, string> = {};
    for (const dep of [...claims.values(), ...extra.map(([, d]) => d)]) {
      for (const id of req.fetch[dep] ?? []) {
        const v = run.outputs.get(id);
        if (v !== undefined) fetched[id] = v;
      }
    }
    const finished = run.done.size === run.meta.known;
    if (finished) this.setStatus(req.runId, run, "done");
    return {
      status: "ok",
      claims,
      extra,
      handoffs: [...count.keys()].filter((id) => ready(id) && !claimedBy.has(id)),
      unwritten: write.flatMap((w, n) => (w || held.has(n) ? [] : [n])),
      held: [...held].sort((a, b) => a - b),
      redelivered: again.flatMap((a, n) => (a ? [n] : [])),
      fetched,
      finished,
    };
  }

  private setStatus(runId: string, run: MemoryRun, status: RunStatus): void {
    run.meta.status = status;
    queueMicrotask(() => {
      this.events.emit(runId, status);
      this.events.emit("all runs", runId, status);
    });
  }

  async fail(runId: string, record: RunErrorRecord): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.meta.status !== "running") return false;
    run.error = structuredClone(record);
    this.setStatus(runId, run, "failed");
    return true;
  }

  async abort(runId: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.meta.status !== "running") return false;
    this.setStatus(runId, run, "aborted");
    return true;
  }

  async getError(runId: string): Promise<RunErrorRecord | undefined> {
    const error = this.runs.get(runId)?.error;
    return error ? structuredClone(error) : undefined;
  }

  async readyAmong(runId: string, specs: readonly { id: string; need: number }[]): Promise<string[]> {
    const counts = this.runs.get(runId)?.counts;
    return specs.filter((s) => counts?.get(s.id) === s.need).map((s) => s.id);
  }

  async readOutputs(runId: string, ids: string[]): Promise<(string | undefined)[]> {
    const run = this.runs.get(runId);
    return ids.map((id) => run?.outputs.get(id));
  }

  async writeOutputs(runId: string, entries: [string, string][]): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    for (const [id, value] of entries) {
      if (!run.outputs.has(id)) run.meta.bytesWritten += Buffer.byteLength(value);
      run.outputs.set(id, value);
    }
  }

  async appendMetrics(runId: string, records: readonly string[]): Promise<void> {
    let list = this.metrics.get(runId);
    if (!list) this.metrics.set(runId, (list = []));
    list.push(...records);
  }

  async putPlanReport(runId: string, json: string, ttlS: number): Promise<void> {
    this.plans.set(runId, json);
    setTimeout(() => this.plans.delete(runId), ttlS * 1000).unref();
  }

  async getPlanReport(runId: string): Promise<string | undefined> {
    return this.plans.get(runId);
  }

  async getMetrics(runId: string, from = 0): Promise<string[]> {
    return (this.metrics.get(runId) ?? []).slice(from);
  }

  async indexRun(entry: RunIndexEntry): Promise<void> {
    this.index.set(entry.id, { ...entry });
    queueMicrotask(() => this.events.emit("run index", entry.id));
    const cutoff = Date.now() - RUN_INDEX_KEEP_MS;
    for (const [id, e] of this.index) if (e.startedAt < cutoff) this.index.delete(id);
  }

  async listRuns(sinceMs: number): Promise<RunIndexEntry[]> {
    return [...this.index.values()].filter((e) => e.startedAt >= sinceMs).sort((a, b) => a.startedAt - b.startedAt);
  }

  async watchRunIndex(listener: (runId: string) => void): Promise<() => Promise<void>> {
    this.events.on("run index", listener);
    return async () => void this.events.off("run index", listener);
  }

  async markDashboardWatching(ttlMs: number): Promise<void> {
    this.watchedUntil = Date.now() + ttlMs;
  }

  async dashboardWatching(): Promise<boolean> {
    return Date.now() < this.watchedUntil;
  }

  async deleteRun(runId: string, metricsTtlS: number): Promise<void> {
    this.runs.delete(runId);
    setTimeout(() => this.metrics.delete(runId), metricsTtlS * 1000).unref();
  }

  async watch(runId: string, listener: RunEventListener, onNotice?: RunEventMessageListener): Promise<() => Promise<void>> {
    this.events.on(runId, listener);
    if (onNotice) this.events.on(`${runId} notices`, onNotice);
    return async () => {
      this.events.off(runId, listener);
      if (onNotice) this.events.off(`${runId} notices`, onNotice);
    };
  }

  async watchTaskEvents(runId: string, listener: RunEventMessageListener): Promise<() => Promise<void>> {
    this.events.on(`${runId} events`, listener);
    return async () => void this.events.off(`${runId} events`, listener);
  }

  async reservePreload(runId: string, fanInId: string, worker: string, heldIds: readonly string[]): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.meta.status !== "running") return false;
    const holder = run.preloads.get(fanInId);
    if (holder !== undefined && holder !== worker) return false;
    run.preloads.set(fanInId, worker);
    for (const id of heldIds) run.held.set(id, { bytes: Number.MAX_SAFE_INTEGER, worker });
    return true;
  }

  async watchAllRuns(listener: (runId: string, message: string) => void): Promise<() => Promise<void>> {
    this.events.on("all runs", listener);
    return async () => void this.events.off("all runs", listener);
  }

  /** The in-memory store has no gateway: no run log lines. */
  async watchAllRunLogs(_listener: (runId: string, message: string) => void): Promise<() => Promise<void>> {
    return async () => undefined;
  }

  async publishEvents(runId: string, message: string): Promise<void> {
    queueMicrotask(() => {
      this.events.emit(`${runId} events`, message);
      this.events.emit("all runs", runId, message);
    });
  }

  async publishNotice(runId: string, message: string): Promise<void> {
    queueMicrotask(() => {
      this.events.emit(`${runId} notices`, message);
      this.events.emit("all runs", runId, message);
    });
  }

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }
}

/**
 * The delayed items of a batch held on their worker (see DelayRequest; the same rule as the Redis
 * store's HOLD_ITEMS): `inc` counts every item of the batch that is not a repeat.
 */
function holdItems(run: MemoryRun, req: CompleteBatchRequest, again: boolean[], inc: ReadonlyMap<string, number>): Set<number> {
  const out = new Set<number>();
  if (!req.delay) return out;
  const inBatch = new Set(req.items.map((it) => it.id));
  for (const y of req.delay.items) {
    const it = req.items[y.index]!;
    let go = again[y.index] === true || y.final;
    let wait = false;
    for (const d of go ? [] : it.dependents) {
      const others = (run.counts.get(d.id) ?? 0) + (inc.get(d.id) ?? 0) - 1;
      if (others >= d.need - 1) continue;
      for (const x of req.delay.deps[d.id] ?? []) {
        if (x === it.id || inBatch.has(x) || run.done.has(x)) continue;
        const h = run.held.get(x);
        if (h && h.worker !== req.delay.worker && (!y.yieldToLarger || h.bytes > y.bytes || (h.bytes === y.bytes && x < it.id))) {
          go = true;
          break;
        }
        wait = true;
      }
      if (go) break;
    }
    if (go || !wait) run.held.delete(it.id);
    else {
      out.add(y.index);
      run.held.set(it.id, { bytes: y.bytes, worker: req.delay.worker });
    }
  }
  return out;
}
