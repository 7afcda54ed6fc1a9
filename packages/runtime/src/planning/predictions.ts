import { fitLinear, MIN_FIT_SAMPLES, MIN_SPREAD, mean, predictLinear, quantile, type LinearModel } from "./fit.js";
import type { HistorySamples, TaskSample, TransferSample } from "./samples.js";
import { slaQuantile, type Sla } from "./sla.js";
import { processSpeed, threadSpeed, type WorkerConfiguration } from "./worker-configuration.js";

/** Start times a worker gateway measured for one configuration (ms samples). */
export interface StartSamples {
  /** Spawn of a worker → its first task (boot, Redis, code load). */
  cold: readonly number[];
  /** Enqueue of a run's first task → its start on an idle worker. */
  warm: readonly number[];
}

/** What {@link buildPredictions} learns from. */
export interface PredictionInputs {
  /** The workflow's history (undefined: no run recorded yet). */
  history: HistorySamples | undefined;
  configurations: readonly WorkerConfiguration[];
  /** Start samples by configuration name. */
  starts?: Readonly<Record<string, StartSamples>>;
  sla: Sla;
}

/** A prediction with what it rests on. */
export interface Predicted {
  ms: number;
  /** Samples it rests on (of the configuration it was scaled from, when scaled). */
  samples: number;
  /** Set when no sample was taken on this configuration: the configuration the samples came from. */
  scaledFrom?: string;
}

/**
 * Predictions for one workflow, per (task, configuration): execution time `a + b × input bytes`
 * (fitted with an intercept; the SLA is the line plus the quantile of its residuals, a percentile
 * of times), output bytes from input bytes, Redis transfer time `a + b × bytes` per configuration,
 * cold and warm starts per configuration (as the gateway measured them), and the per-task overhead of
 * completing. For a configuration without samples of a task, the samples of another are scaled by
 * the configurations' CPU ratio when the task is CPU bound (its threads were busy over half the time),
 * and taken as they are when it is not (or when no quota is enforced).
 */
export interface Predictions {
  readonly sla: Sla;
  /** Whether the workflow has any recorded run. */
  readonly hasHistory: boolean;
  execution(task: string, configuration: string, inputBytes: number): Predicted;
  outputBytes(task: string, inputBytes: number): number;
  /** Reading `bytes` from Redis, and writing them (encode + its share of the completion). */
  fetchMs(configuration: string, bytes: number): number;
  storeMs(configuration: string, bytes: number): number;
  /** Completing a task: updating its dependents' counters (ms). */
  updateMs(configuration: string): number;
  /**
   * The client's read of an output of `task` of `outputBytes` that is (part of) the workflow's
   * result, once the run ended (ms): from the reads measured by earlier runs' clients
   * (`TaskSample.resultReadMs`), whatever the configuration; undefined when none was measured.
   */
  resultReadMs(task: string, outputBytes: number): number | undefined;
  /** From a hand-off to its start on an idle worker (ms). */
  handoffMs(configuration: string): number;
  /**
   * From the end of a task (its store and completion included) to the start of the next task its
   * thread runs, a dependent it continues with or work waiting in the queue (ms): the measured
   * turnarounds of the configuration's threads (`TaskSample.turnaroundMs`: messages between the
   * thread and the worker's main thread, the main thread's other work, CPU quota throttling), on
   * the SLA; without such samples, the low end of the measured queue waits.
   */
  continueMs(configuration: string): number;
  /**
   * From a run's submission to the start of a root task on an idle worker (ms): the gateway's
   * measured warm starts (enqueue of a run's first task → its start), else {@link handoffMs}.
   */
  rootStartMs(configuration: string): number;
  coldStartMs(configuration: string): number;
  /** Whether the task's samples show it CPU bound. */
  cpuBound(task: string): boolean;
  /** Samples of a task over every configuration. */
  samplesOf(task: string): number;
}

/** Defaults when nothing was measured: a small task, loopback Redis, a Node process start. */
export const PREDICTION_DEFAULTS = { executionMs: 1, fetchMs: 0.2, bytesPerMs: 200_000, updateMs: 0.3, handoffMs: 1, coldStartMs: 400 } as const;

interface TaskModel {
  exec: LinearModel;
  samples: number;
  cpu: number;
}

interface ExecutionSource {
  model: TaskModel;
  scale: number;
  from: string | undefined;
}

/** Samples behind a constant execution model: one run's worth (`HISTORY_LIMITS.samplesPerRun`). */
export const RECENT_SAMPLES = 16;

/** Whether the samples' input sizes vary enough for a fitted line (see {@link fitLinear}). */
function varies(samples: readonly TaskSample[]): boolean {
  return variesBy(samples, (s) => s.inputBytes);
}

/** Whether `size` of the samples varies enough for a fitted line. */
function variesBy(samples: readonly TaskSample[], size: (s: TaskSample) => number): boolean {
  if (samples.length < MIN_FIT_SAMPLES) return false;
  const m = mean(samples.map(size));
  if (!(m > 0)) return false;
  const sd = Math.sqrt(mean(samples.map((s) => (size(s) - m) ** 2)));
  return sd / m >= MIN_SPREAD;
}

function model(samples: readonly TaskSample[], pick: (s: TaskSample) => number, q: number | undefined): LinearModel {
  return fitLinear(
    samples.map((s) => s.inputBytes),
    samples.map(pick),
    q,
  );
}

function transferModel(samples: readonly TransferSample[], kind: TransferSample["kind"], q: number | undefined): LinearModel | undefined {
  const list = samples.filter((s) => s.kind === kind);
  if (list.length === 0) return undefined;
  return fitLinear(
    list.map((s) => s.bytes),
    list.map((s) => s.ms),
    q,
  );
}

/** The client's read of a result output by its size, from the samples that measured one (the recent ones when sizes do not vary); null without. */
function resultReadModel(samples: readonly TaskSample[], q: number | undefined): LinearModel | null {
  const read = samples.filter((s) => s.resultReadMs !== undefined);
  if (read.length === 0) return null;
  const basis = variesBy(read, (s) => s.outputBytes) ? read : read.slice(-RECENT_SAMPLES);
  return fitLinear(
    basis.map((s) => s.outputBytes),
    basis.map((s) => s.resultReadMs!),
    q,
  );
}

/** A percentile (or the mean) of `values`, or `fallback` when there are none. */
function pick(values: readonly number[], q: number | undefined, fallback: number): number {
  if (values.length === 0) return fallback;
  return q === undefined ? mean(values) : quantile(values, q);
}

/**
 * Builds the predictions of a workflow from its history and the configurations' start samples.
 * Pure and bounded: it reads each (task, configuration) summary once.
 * @example
 * ```ts
 * const p = buildPredictions({ history, configurations, sla: "p90" });
 * p.execution("wc.ts#WordCount.count", "small", 120_000); // { ms: 14.2, samples: 48 }
 * ```
 */
export function buildPredictions(inputs: PredictionInputs): Predictions {
  const q = slaQuantile(inputs.sla);
  const configs = new Map(inputs.configurations.map((c) => [c.name, c]));
  const byTask = new Map<string, Map<string, TaskModel>>();
  const allByTask = new Map<string, TaskSample[]>();
  const byConfig = new Map<string, TaskSample[]>();
  for (const t of inputs.history?.tasks ?? []) {
    if (t.samples.length === 0) continue;
    let m = byTask.get(t.task);
    if (!m) byTask.set(t.task, (m = new Map()));
    const cpu = t.samples.filter((s) => s.cpu >= 0).map((s) => s.cpu);
    // A cold sample (the first task of a fresh worker or thread) also paid for loading and compiling
    // the code: the execution model rests on the warm ones when there are enough of them.
    const warm = t.samples.filter((s) => !s.cold);
    const kept = warm.length >= MIN_FIT_SAMPLES ? warm : t.samples;
    // Input sizes that do not vary give a constant model: the recent samples then (the latest
    // RECENT_SAMPLES, in the order they were recorded), so that it follows a machine whose speed
    // drifts instead of averaging the whole kept history; sizes that vary are fitted on all of them.
    const basis = varies(kept) ? kept : kept.slice(-RECENT_SAMPLES);
    m.set(t.configuration, { exec: model(basis, (s) => s.executionMs, q), samples: basis.length, cpu: cpu.length > 0 ? quantile(cpu, 0.5) : -1 });
    allByTask.set(t.task, [...(allByTask.get(t.task) ?? []), ...t.samples]);
    byConfig.set(t.configuration, [...(byConfig.get(t.configuration) ?? []), ...t.samples]);
  }
  const outputs = new Map<string, LinearModel>();
  for (const [task, samples] of allByTask)
    outputs.set(
      task,
      model(samples, (s) => s.outputBytes, undefined),
    );
  const transfers = inputs.history?.transfers ?? {};
  const pooled = Object.values(transfers).flat();
  const pooledFetch = transferModel(pooled, "fetch", q);
  const pooledStore = transferModel(pooled, "store", q);
  /** Redis transfer time of `bytes` on a configuration: its own samples' line, else every configuration's, else the defaults. */
  const transferOf = (kind: TransferSample["kind"], pooledModel: LinearModel | undefined) => {
    const models = new Map<string, LinearModel | null>();
    return (config: string, bytes: number): number => {
      if (bytes <= 0) return 0;
      let m = models.get(config);
      if (m === undefined) models.set(config, (m = transferModel(transfers[config] ?? [], kind, q) ?? pooledModel ?? null));
      return m ? predictLinear(m, bytes) : PREDICTION_DEFAULTS.fetchMs + bytes / PREDICTION_DEFAULTS.bytesPerMs;
    };
  };
  const perConfig = (
    config: string,
    f: (s: TaskSample) => number,
    quantileOf: number | undefined,
    fallback: number,
    keep?: (s: TaskSample) => boolean,
  ): number => {
    const own = keep ? byConfig.get(config)?.filter(keep) : byConfig.get(config);
    const list = own && own.length > 0 ? own : keep ? [...byConfig.values()].flat().filter(keep) : [...byConfig.values()].flat();
    return pick(list.map(f), quantileOf, fallback);
  };
  /** Per-configuration values, computed once per configuration. */
  const perConfiguration = (f: (configuration: string) => number): ((configuration: string) => number) => {
    const memo = new Map<string, number>();
    return (configuration) => {
      let v = memo.get(configuration);
      if (v === undefined) memo.set(configuration, (v = f(configuration)));
      return v;
    };
  };
  const isCpuBound = (task: string): boolean => {
    const models = byTask.get(task);
    if (!models) return false;
    const cpus = [...models.values()].map((m) => m.cpu).filter((c) => c >= 0);
    return cpus.length > 0 && quantile(cpus, 0.5) >= 0.5;
  };
  /** Where a (task, configuration)'s execution prediction comes from: its own model, or another's scaled (null: no sample at all). */
  const executionSource = (task: string, configuration: string): ExecutionSource | null => {
    const models = byTask.get(task);
    const own = models?.get(configuration);
    if (own) return { model: own, scale: 1, from: undefined };
    if (!models || models.size === 0) return null;
    // The configuration with the most samples (then by name), scaled by CPU speed when CPU bound.
    const [from, m] = [...models].sort((a, b) => b[1].samples - a[1].samples || (a[0] < b[0] ? -1 : 1))[0]!;
    const source = configs.get(from);
    const target = configs.get(configuration);
    const scale = isCpuBound(task) && source && target ? threadSpeed(source) / threadSpeed(target) : 1;
    return { model: m, scale, from };
  };
  const sources = new Map<string, Map<string, ExecutionSource | null>>();
  const resultReads = new Map<string, LinearModel | null>();
  const starts = inputs.starts ?? {};
  const handoff = perConfiguration((configuration) => {
    // Hand-offs taken at once by an idle worker: the low end of the measured queue waits; the
    // gateway's warm starts when lower (they also count waits behind busy workers).
    // Waits of tasks that started a worker are left out: they include its cold start, which the simulation adds on its own.
    const queued = perConfig(
      configuration,
      (s) => s.queueWaitMs,
      0.1,
      PREDICTION_DEFAULTS.handoffMs,
      (s) => !s.cold,
    );
    const warm = starts[configuration]?.warm ?? [];
    return warm.length > 0 ? Math.min(queued, pick(warm, q === undefined ? 0.5 : q, PREDICTION_DEFAULTS.handoffMs)) : queued;
  });

  return {
    sla: inputs.sla,
    hasHistory: (inputs.history?.runs ?? 0) > 0,
    execution(task, configuration, inputBytes) {
      let byConfiguration = sources.get(task);
      if (byConfiguration === undefined) sources.set(task, (byConfiguration = new Map()));
      let source = byConfiguration.get(configuration);
      if (source === undefined) byConfiguration.set(configuration, (source = executionSource(task, configuration)));
      if (source === null) return { ms: PREDICTION_DEFAULTS.executionMs, samples: 0 };
      const ms = predictLinear(source.model.exec, inputBytes) * source.scale;
      return source.from === undefined ? { ms, samples: source.model.samples } : { ms, samples: source.model.samples, scaledFrom: source.from };
    },
    outputBytes(task, inputBytes) {
      const m = outputs.get(task);
      return m ? predictLinear(m, inputBytes) : 8;
    },
    fetchMs: transferOf("fetch", pooledFetch),
    storeMs: transferOf("store", pooledStore),
    updateMs: perConfiguration((configuration) => perConfig(configuration, (s) => s.updateMs, q, PREDICTION_DEFAULTS.updateMs)),
    resultReadMs(task, outputBytes) {
      let m = resultReads.get(task);
      if (m === undefined) resultReads.set(task, (m = resultReadModel(allByTask.get(task) ?? [], q)));
      return m === null ? undefined : Math.max(0, predictLinear(m, outputBytes));
    },
    rootStartMs: perConfiguration((configuration) => {
      const warm = starts[configuration]?.warm ?? [];
      return warm.length > 0 ? pick(warm, q === undefined ? 0.5 : q, PREDICTION_DEFAULTS.handoffMs) : handoff(configuration);
    }),
    continueMs: perConfiguration((configuration) => {
      // The measured turnarounds of the configuration's threads (or of every configuration's), on the SLA;
      // without any, the low end of the queue waits (a histories' samples recorded before turnarounds were).
      const turned = (s: TaskSample) => s.turnaroundMs !== undefined;
      if ([...byConfig.values()].some((list) => list.some(turned))) return perConfig(configuration, (s) => s.turnaroundMs!, q, 0, turned);
      return perConfig(configuration, (s) => s.queueWaitMs, 0.1, 0);
    }),
    handoffMs: handoff,
    coldStartMs: perConfiguration((configuration) => {
      const own = starts[configuration]?.cold ?? [];
      if (own.length > 0) return pick(own, q, PREDICTION_DEFAULTS.coldStartMs);
      // Not measured on this configuration: a worker's start is CPU-bound single-threaded work, so
      // another configuration's (the one with the most samples, then by name) scaled by their process speeds.
      const target = configs.get(configuration);
      const measured = Object.entries(starts)
        .filter(([name, s]) => s.cold.length > 0 && configs.has(name))
        .sort((a, b) => b[1].cold.length - a[1].cold.length || (a[0] < b[0] ? -1 : 1))[0];
      if (!measured || !target) return PREDICTION_DEFAULTS.coldStartMs;
      return pick(measured[1].cold, q, PREDICTION_DEFAULTS.coldStartMs) * (processSpeed(configs.get(measured[0])!) / processSpeed(target));
    }),
    cpuBound: isCpuBound,
    samplesOf: (task) => [...(byTask.get(task)?.values() ?? [])].reduce((n, m) => n + m.samples, 0),
  };
}
