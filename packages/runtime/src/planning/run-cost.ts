/**
 * The one cost formula of Taskloom, used for a plan's prediction and for a run's measured cost
 * alike: GB-seconds, as a FaaS platform bills them.
 *
 *     gbSeconds = Σ over the workers that ran the run's tasks of
 *                 memoryMb / 1024 × heldMs / 1000
 *     heldMs    = (end of the worker's last task of the run − start of its first task of the run)
 *                 + the worker's cold start, when the run started it
 *
 * A worker is held from its first task of the run to its last (gaps between its tasks included,
 * as a FaaS instance is billed while it waits); keep-alive after the run is not billed to the run.
 */

/** When one worker worked for a run. */
export interface WorkerSpan {
  worker: string;
  configuration: string;
  memoryMb: number;
  /** Start of its first task of the run and end of its last (ms, any common clock). */
  firstStartMs: number;
  lastEndMs: number;
  /** Its cold start when the run started it (ms), else 0. */
  coldStartMs: number;
}

/** One worker's part of a {@link RunCost}. */
export interface WorkerCost {
  worker: string;
  configuration: string;
  memoryMb: number;
  heldMs: number;
  coldStartMs: number;
  gbSeconds: number;
}

/** A run's cost (`report.cost`, and `predictedCost` of a plan). */
export interface RunCost {
  gbSeconds: number;
  /** Per worker, in the order of their first task. */
  workers: WorkerCost[];
}

/** GB-seconds of `memoryMb` held for `heldMs`. */
export function gbSeconds(memoryMb: number, heldMs: number): number {
  return (memoryMb / 1024) * (heldMs / 1000);
}

/**
 * The cost of a run from its workers' spans (see the module comment for the formula).
 * @example
 * ```ts
 * runCost([{ worker: "w1", configuration: "small", memoryMb: 512, firstStartMs: 0, lastEndMs: 2000, coldStartMs: 150 }]).gbSeconds; // 1.075
 * ```
 */
export function runCost(spans: readonly WorkerSpan[]): RunCost {
  const workers = [...spans]
    .sort((a, b) => a.firstStartMs - b.firstStartMs || (a.worker < b.worker ? -1 : 1))
    .map((s) => {
      const heldMs = Math.max(0, s.lastEndMs - s.firstStartMs) + Math.max(0, s.coldStartMs);
      return {
        worker: s.worker,
        configuration: s.configuration,
        memoryMb: s.memoryMb,
        heldMs,
        coldStartMs: s.coldStartMs,
        gbSeconds: gbSeconds(s.memoryMb, heldMs),
      };
    });
  return { gbSeconds: workers.reduce((sum, w) => sum + w.gbSeconds, 0), workers };
}
