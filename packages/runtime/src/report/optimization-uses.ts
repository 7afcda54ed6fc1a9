/**
 * What the data-aware optimizations did for one task instance of a remote run, as its worker
 * records it (short keys: one record per batch that used an optimization, in the run's metrics).
 */
export interface OptimizationUse {
  /** Bytes of the output not stored in Redis because of clustering or delayed I/O (estimated). */
  ns?: number;
  /** Dependents run on this worker beside the continued one because the output was large (task clustering, fan-out). */
  cl?: number;
  /** This fan-in ran here because this worker held its largest input (task clustering, fan-in). */
  fi?: 1;
  /** Milliseconds the output was held in memory by delayed I/O. */
  dl?: number;
  /** Inputs pre-loaded by this worker while the task waited for others. */
  pl?: number;
}

/** The record a worker appends: its id and one use per instance. */
export interface OptimizationUsesRecord {
  w: string;
  u: [instanceId: string, use: OptimizationUse][];
}

/** The uses of a run, summed (report.optimizations). */
export interface OptimizationSummary {
  /** Bytes not stored in Redis (estimated) thanks to clustering and delayed I/O. */
  bytesNotStored: number;
  /** Dependents run beside their producer (fan-out clustering). */
  clustered: number;
  /** Fan-ins placed on the worker that held their largest input. */
  fanInsPlaced: number;
  /** Outputs held by delayed I/O, and how long in all (ms). */
  delayed: number;
  delayedMs: number;
  /** Inputs pre-loaded. */
  preloaded: number;
}

/** Whether a metrics record is an {@link OptimizationUsesRecord}. */
export function isUsesRecord(parsed: object): parsed is OptimizationUsesRecord {
  return "u" in parsed;
}

/** Adds `use` to `into` (the uses of one instance). */
export function mergeUse(into: OptimizationUse, use: OptimizationUse): OptimizationUse {
  for (const key of ["ns", "cl", "dl", "pl"] as const) if (use[key] !== undefined) into[key] = (into[key] ?? 0) + use[key];
  if (use.fi) into.fi = 1;
  return into;
}

/** Sums the uses of a run. */
export function summarizeUses(uses: Iterable<OptimizationUse>): OptimizationSummary {
  const s: OptimizationSummary = { bytesNotStored: 0, clustered: 0, fanInsPlaced: 0, delayed: 0, delayedMs: 0, preloaded: 0 };
  for (const u of uses) {
    s.bytesNotStored += u.ns ?? 0;
    s.clustered += u.cl ?? 0;
    s.fanInsPlaced += u.fi ?? 0;
    if (u.dl !== undefined) {
      s.delayed++;
      s.delayedMs += u.dl;
    }
    s.preloaded += u.pl ?? 0;
  }
  return s;
}
