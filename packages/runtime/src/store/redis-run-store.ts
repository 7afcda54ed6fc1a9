import {
  allRunChannelsPattern,
  blobKey,
  dashboardPresenceKey,
  runIdOfChannel,
  runDataKeys,
  runIndexKeys,
  runKeys,
  runMetricsKeys,
  type RunKeys,
} from "./redis-keys.js";
import { DELETE_RUN_SCRIPT } from "./redis-output-streams.js";
import { COMPLETE_BATCH_SCRIPT, COMPLETE_SCRIPT, FINISH_SCRIPT, INDEX_RUN_SCRIPT } from "./lua-scripts.js";
import { RESERVE_PRELOAD_SCRIPT } from "./preload-script.js";
import { duplicateConnection, type RedisConnection } from "./redis-connection.js";
import type { RunErrorDetail, RunFailureKind } from "../protocol/run-error-record.js";
import { isRunEventMessage } from "../protocol/run-events.js";
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
import { bulkArg, textOfBulk } from "./bulk-text.js";

/** Outputs read per HMGET. */
const READ_CHUNK = 5_000;

type ScriptConn = RedisConnection & {
  tlComplete(...args: (string | Buffer)[]): Promise<string>;
  tlFinish(...args: string[]): Promise<number>;
  tlCompleteBatch(...args: (string | Buffer)[]): Promise<string>;
  tlIndexRun(...args: string[]): Promise<number>;
  tlReservePreload(...args: string[]): Promise<number>;
  tlDeleteRun(...keys: string[]): Promise<number>;
};

/**
 * {@link RunStore} on Redis (standalone or Cluster). Completion is one Lua script (EVALSHA) over
 * the run's keys; commands issued in the same tick share one round trip (auto-pipelining).
 */
export class RedisRunStore implements RunStore {
  private readonly conn: ScriptConn;
  private subscriber: RedisConnection | undefined;
  private readonly patterns = new Map<string, Set<(runId: string, message: string) => void>>();
  private readonly listeners = new Map<string, Set<{ status: RunEventListener; events: RunEventMessageListener | undefined }>>();

  /**
   * @param conn - an open connection; the store defines its scripts on it and does not close it.
   * @param prefix - key prefix (default `tl`).
   */
  constructor(
    conn: RedisConnection,
    private readonly prefix = "tl",
  ) {
    conn.defineCommand("tlComplete", { numberOfKeys: 6, lua: COMPLETE_SCRIPT });
    conn.defineCommand("tlFinish", { numberOfKeys: 2, lua: FINISH_SCRIPT });
    conn.defineCommand("tlCompleteBatch", { numberOfKeys: 6, lua: COMPLETE_BATCH_SCRIPT });
    conn.defineCommand("tlIndexRun", { numberOfKeys: 2, lua: INDEX_RUN_SCRIPT });
    conn.defineCommand("tlReservePreload", { numberOfKeys: 2, lua: RESERVE_PRELOAD_SCRIPT });
    conn.defineCommand("tlDeleteRun", { numberOfKeys: 1 + runDataKeys(runKeys(prefix, "x")).length, lua: DELETE_RUN_SCRIPT });
    this.conn = conn as ScriptConn;
  }

  private keys(runId: string): RunKeys {
    return runKeys(this.prefix, runId);
  }

  async putBlob(kind: "manifest" | "bundle", hash: string, data: Buffer): Promise<boolean> {
    return (await this.conn.set(blobKey(this.prefix, kind, hash), data, "NX")) === "OK";
  }

  async hasBlob(kind: "manifest" | "bundle", hash: string): Promise<boolean> {
    return (await this.conn.exists(blobKey(this.prefix, kind, hash))) === 1;
  }

  async getBlob(kind: "manifest" | "bundle", hash: string): Promise<Buffer | undefined> {
    return (await this.conn.getBuffer(blobKey(this.prefix, kind, hash))) ?? undefined;
  }

  async createRun(runId: string, meta: RunMeta): Promise<void> {
    const k = this.keys(runId);
    await this.conn.hset(k.meta, {
      ...meta,
      manifest: meta.manifest ?? "",
      optimizations: meta.optimizations ?? "",
      events: meta.events ? "1" : "",
      maxValueBytes: meta.maxValueBytes === undefined ? "" : String(meta.maxValueBytes),
      bundleSig: meta.bundleSig ?? "",
      manifestSig: meta.manifestSig ?? "",
      known: String(meta.known),
      status: "running",
      bytesWritten: "0",
    });
  }

  async getMeta(runId: string): Promise<StoredRunMeta | undefined> {
    const h = await this.conn.hgetall(this.keys(runId).meta);
    if (!h.status) return undefined;
    return {
      manifestHash: h.manifestHash ?? "",
      bundleHash: h.bundleHash ?? "",
      workflow: h.workflow ?? "",
      input: h.input ?? "",
      plan: h.plan ?? "{}",
      known: Number(h.known),
      status: h.status as RunStatus,
      bytesWritten: Number(h.bytesWritten ?? 0),
      manifest: h.manifest ?? "",
      optimizations: h.optimizations ?? "",
      events: h.events === "1",
      ...(h.maxValueBytes ? { maxValueBytes: Number(h.maxValueBytes) } : {}),
      bundleSig: h.bundleSig ?? "",
      manifestSig: h.manifestSig ?? "",
    };
  }

  async getLengths(runId: string): Promise<Map<string, number>> {
    const h = await this.conn.hgetall(this.keys(runId).lengths);
    return new Map(Object.entries(h).map(([key, len]) => [key, Number(len)]));
  }

  async complete(req: CompleteRequest): Promise<CompleteResult> {
    const k = this.keys(req.runId);
    const spec = JSON.stringify({
      d: req.dependents.map((d) => [d.id, d.need]),
      c: req.created.map((c) => [c.id, c.need, c.deps]),
      l: req.lengths,
      f: req.fetch,
    });
    const raw = await this.conn.tlComplete(
      k.meta,
      k.done,
      k.counts,
      k.outputs,
      k.lengths,
      k.metrics,
      req.instanceId,
      bulkArg(req.output),
      req.write,
      String(req.lengthsVersion),
      String(req.knownDelta),
      req.metrics ?? "",
      k.events,
      spec,
    );
    const r = JSON.parse(raw) as { s: string; r?: unknown; o?: unknown; f?: boolean; x?: boolean; w?: boolean; v?: number; t?: string };
    if (r.s === "resend") return { status: "resend" };
    if (r.s === "stale") return { status: "stale", lengthsVersion: r.v ?? 0 };
    if (r.s === "inactive") return { status: "inactive", runStatus: (r.t ?? "missing") as RunStatus | "missing" };
    return {
      status: "ok",
      ready: Array.isArray(r.r) ? (r.r as string[]) : [],
      fetched: (r.o && !Array.isArray(r.o) ? r.o : {}) as Record<string, string>,
      finished: r.f === true,
      redelivered: r.x === true,
      written: r.w === true,
    };
  }

  async completeBatch(req: CompleteBatchRequest): Promise<CompleteBatchResult> {
    const k = this.keys(req.runId);
    const { d, i, outputs } = compactItems(req);
    const y = req.delay?.items.map((x) => [x.index + 1, x.bytes, x.final ? 1 : 0, x.yieldToLarger ? 1 : 0]);
    const delay = req.delay ? { y, g: req.delay.deps, w: req.delay.worker } : {};
    const spec = JSON.stringify({ d, i, f: req.fetch, m: req.cluster?.map((n) => n + 1), b: req.budget ?? 0, ...delay });
    const raw = await this.conn.tlCompleteBatch(
      k.meta,
      k.done,
      k.counts,
      k.outputs,
      k.lengths,
      k.metrics,
      String(req.lengthsVersion),
      k.events,
      req.metrics ?? "",
      spec,
      ...outputs.map(bulkArg),
    );
    return parseBatchReply(raw);
  }

  private async finish(runId: string, status: RunStatus, record?: RunErrorRecord): Promise<boolean> {
    const k = this.keys(runId);
    const flat = record && { ...record, ...(record.detail ? { detail: JSON.stringify(record.detail) } : {}) };
    return (await this.conn.tlFinish(k.meta, k.error, status, k.events, flat ? JSON.stringify(flat) : "")) === 1;
  }

  fail(runId: string, record: RunErrorRecord): Promise<boolean> {
    return this.finish(runId, "failed", record);
  }

  abort(runId: string): Promise<boolean> {
    return this.finish(runId, "aborted");
  }

  async getError(runId: string): Promise<RunErrorRecord | undefined> {
    const h = await this.conn.hgetall(this.keys(runId).error);
    if (!h.instanceId) return undefined;
    return {
      instanceId: h.instanceId,
      task: h.task ?? "",
      name: h.name ?? "Error",
      message: h.message ?? "",
      stack: h.stack ?? "",
      worker: h.worker ?? "",
      ...(h.code ? { code: h.code } : {}),
      ...(h.kind ? { kind: h.kind as RunFailureKind } : {}),
      ...(h.detail ? { detail: JSON.parse(h.detail) as RunErrorDetail } : {}),
    };
  }

  async readyAmong(runId: string, specs: readonly { id: string; need: number }[]): Promise<string[]> {
    const key = this.keys(runId).counts;
    const chunks: Promise<(string | null)[]>[] = [];
    for (let i = 0; i < specs.length; i += READ_CHUNK) chunks.push(this.conn.hmget(key, ...specs.slice(i, i + READ_CHUNK).map((s) => s.id)));
    const counts = (await Promise.all(chunks)).flat();
    return specs.filter((s, i) => counts[i] !== null && Number(counts[i]) === s.need).map((s) => s.id);
  }

  async readOutputs(runId: string, ids: string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    const key = this.keys(runId).outputs;
    // Chunked: a command with ~100,000 arguments overflows the stack (a 100,000-wide fan-in).
    const chunks: Promise<(Buffer | null)[]>[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) chunks.push(this.conn.hmgetBuffer(key, ...ids.slice(i, i + READ_CHUNK)));
    return (await Promise.all(chunks)).flat().map((v) => (v === null ? undefined : textOfBulk(v)));
  }

  async writeOutputs(runId: string, entries: [string, string][]): Promise<void> {
    if (entries.length === 0) return;
    const k = this.keys(runId);
    const bytes = entries.reduce((n, [, v]) => n + Buffer.byteLength(v), 0);
    const fields = new Map(entries.map(([id, text]) => [id, bulkArg(text)]));
    await Promise.all([this.conn.hset(k.outputs, fields), this.conn.hincrby(k.meta, "bytesWritten", bytes)]);
  }

  async putPlanReport(runId: string, json: string, ttlS: number): Promise<void> {
    await this.conn.set(this.keys(runId).plan, json, "EX", ttlS);
  }

  async getPlanReport(runId: string): Promise<string | undefined> {
    return (await this.conn.get(this.keys(runId).plan)) ?? undefined;
  }

  getMetrics(runId: string, from = 0): Promise<string[]> {
    return this.conn.lrange(this.keys(runId).metrics, from, -1);
  }

  async indexRun(entry: RunIndexEntry): Promise<void> {
    const k = runIndexKeys(this.prefix);
    await this.conn.tlIndexRun(k.index, k.info, entry.id, String(entry.startedAt), JSON.stringify(entry), String(Date.now() - RUN_INDEX_KEEP_MS), k.channel);
  }

  async listRuns(sinceMs: number): Promise<RunIndexEntry[]> {
    const k = runIndexKeys(this.prefix);
    const ids = await this.conn.zrangebyscore(k.index, sinceMs, "+inf");
    const chunks: Promise<(string | null)[]>[] = [];
    for (let i = 0; i < ids.length; i += READ_CHUNK) chunks.push(this.conn.hmget(k.info, ...ids.slice(i, i + READ_CHUNK)));
    return (await Promise.all(chunks)).flat().flatMap((v) => (v ? [JSON.parse(v) as RunIndexEntry] : []));
  }

  async markDashboardWatching(ttlMs: number): Promise<void> {
    const key = dashboardPresenceKey(this.prefix);
    if (ttlMs <= 0) await this.conn.del(key);
    else await this.conn.set(key, "1", "PX", ttlMs);
  }

  async dashboardWatching(): Promise<boolean> {
    return (await this.conn.exists(dashboardPresenceKey(this.prefix))) === 1;
  }

  async appendMetrics(runId: string, records: readonly string[], ttlS: number): Promise<void> {
    if (records.length === 0) return;
    const key = this.keys(runId).metrics;
    const pushes: Promise<number>[] = [];
    // Chunked: a command with ~100,000 arguments overflows ioredis's stack.
    for (let i = 0; i < records.length; i += 1000) pushes.push(this.conn.rpush(key, ...records.slice(i, i + 1000)));
    // NX keeps a shorter TTL the client set when the run ended; before Redis 7 (no NX), the TTL is reset.
    await Promise.all([...pushes, this.conn.expire(key, ttlS, "NX").catch(() => this.conn.expire(key, ttlS))]);
  }

  async deleteRun(runId: string, metricsTtlS: number): Promise<void> {
    const k = this.keys(runId);
    // One script: the data keys, and the chunk streams its streams hash names (a run without streams has no hash).
    await Promise.all([this.conn.tlDeleteRun(k.streams, ...runDataKeys(k)), ...runMetricsKeys(k).map((key) => this.conn.expire(key, metricsTtlS))]);
  }

  watch(runId: string, listener: RunEventListener, onNotice?: RunEventMessageListener): Promise<() => Promise<void>> {
    return this.subscribe(this.keys(runId).events, { status: listener, events: onNotice });
  }

  watchTaskEvents(runId: string, listener: RunEventMessageListener): Promise<() => Promise<void>> {
    return this.subscribe(this.keys(runId).tasks, { status: () => undefined, events: listener });
  }

  watchRunIndex(listener: (runId: string) => void): Promise<() => Promise<void>> {
    return this.subscribe(runIndexKeys(this.prefix).channel, { status: listener as RunEventListener, events: undefined });
  }

  async watchAllRuns(listener: (runId: string, message: string) => void): Promise<() => Promise<void>> {
    const stops = await Promise.all([
      this.psubscribe(allRunChannelsPattern(this.prefix, "events"), listener),
      this.psubscribe(allRunChannelsPattern(this.prefix, "tasks"), listener),
    ]);
    return async () => void (await Promise.all(stops.map((stop) => stop())));
  }

  watchAllRunLogs(listener: (runId: string, message: string) => void): Promise<() => Promise<void>> {
    return this.psubscribe(allRunChannelsPattern(this.prefix, "logs"), listener);
  }

  private async psubscribe(pattern: string, listener: (runId: string, message: string) => void): Promise<() => Promise<void>> {
    const subscriber = await this.subscriberConnection();
    let set = this.patterns.get(pattern);
    if (!set) {
      this.patterns.set(pattern, (set = new Set()));
      await subscriber.psubscribe(pattern);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.patterns.get(pattern) === set) {
        this.patterns.delete(pattern);
        await this.subscriber?.punsubscribe(pattern);
      }
    };
  }

  /** The store's one subscriber connection (made on first use). */
  private async subscriberConnection(): Promise<RedisConnection> {
    if (!this.subscriber) {
      this.subscriber = await duplicateConnection(this.conn);
      this.subscriber.on("message", (ch: string, message: string) => {
        const events = isRunEventMessage(message);
        for (const l of this.listeners.get(ch) ?? []) {
          if (!events) l.status(message as RunStatus);
          else l.events?.(message);
        }
      });
      this.subscriber.on("pmessage", (pattern: string, ch: string, message: string) => {
        const runId = runIdOfChannel(ch);
        for (const l of this.patterns.get(pattern) ?? []) l(runId, message);
      });
    }
    return this.subscriber;
  }

  /** Adds a listener of `channel` on the store's one subscriber connection. */
  private async subscribe(channel: string, entry: { status: RunEventListener; events: RunEventMessageListener | undefined }): Promise<() => Promise<void>> {
    const subscriber = await this.subscriberConnection();
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await subscriber.subscribe(channel);
    }
    set.add(entry);
    return async () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        await this.subscriber?.unsubscribe(channel);
      }
    };
  }

  async reservePreload(runId: string, fanInId: string, worker: string, heldIds: readonly string[]): Promise<boolean> {
    const k = this.keys(runId);
    return (await this.conn.tlReservePreload(k.meta, k.counts, fanInId, worker, ...heldIds)) === 1;
  }

  async publishEvents(runId: string, message: string): Promise<void> {
    await this.conn.publish(this.keys(runId).tasks, message);
  }

  async publishNotice(runId: string, message: string): Promise<void> {
    await this.conn.publish(this.keys(runId).events, message);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.listeners.clear();
    this.patterns.clear();
  }
}

/** ARGV of COMPLETE_BATCH_SCRIPT before the outputs. */
const BATCH_FIXED_ARGS = 4;

/**
 * The items of a batch as COMPLETE_BATCH_SCRIPT reads them: each dependent once in `d`, items
 * naming theirs by 1-based index (negative when not claimable), the ARGV index of the output or
 * `false`; `outputs` are those extra arguments.
 */
function compactItems(req: CompleteBatchRequest): { d: [string, number][]; i: (string | number | boolean)[][]; outputs: string[] } {
  const index = new Map<string, number>();
  const d: [string, number][] = [];
  const outputs: string[] = [];
  const argOf = new Map<string, number>();
  const i = req.items.map((it) => {
    const out = req.outputs[it.id];
    let arg: number | false = false;
    if (out !== undefined) {
      arg = argOf.get(it.id) ?? BATCH_FIXED_ARGS + outputs.push(out);
      argOf.set(it.id, arg);
    }
    const row: (string | number | boolean)[] = [it.id, it.always ? 1 : 0, arg];
    for (const dep of it.dependents) {
      let k = index.get(dep.id);
      if (k === undefined) index.set(dep.id, (k = d.push([dep.id, dep.need])));
      row.push(dep.claimable ? k : -k);
    }
    return row;
  });
  return { d, i, outputs };
}

const list = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

/** Decodes the reply of COMPLETE_BATCH_SCRIPT (cjson encodes an empty array as `{}`). */
function parseBatchReply(raw: string): CompleteBatchResult {
  const r = JSON.parse(raw) as {
    s: string;
    c?: unknown;
    x?: unknown;
    h?: unknown;
    u?: unknown;
    a?: unknown;
    o?: unknown;
    f?: boolean;
    n?: unknown;
    v?: number;
    t?: string;
    y?: unknown;
  };
  if (r.s === "stale") return { status: "stale", lengthsVersion: r.v ?? 0 };
  if (r.s === "inactive") return { status: "inactive", runStatus: (r.t ?? "missing") as RunStatus | "missing" };
  if (r.s === "resend") return { status: "resend", ids: list<string>(r.n) };
  return {
    status: "ok",
    claims: new Map(list<[number, string]>(r.c)),
    extra: list<[number, string]>(r.x),
    handoffs: list<string>(r.h),
    unwritten: list<number>(r.u),
    held: list<number>(r.y).sort((a, b) => a - b),
    redelivered: list<number>(r.a),
    fetched: (r.o && !Array.isArray(r.o) ? r.o : {}) as Record<string, string>,
    finished: r.f === true,
  };
}
