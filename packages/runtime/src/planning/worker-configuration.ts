/**
 * A resource configuration as planners see it: what a worker gateway publishes in Redis for each
 * of its configurations (a named pool of identical `dag-worker` processes serving one group).
 */
export interface WorkerConfiguration {
  /** Name of the configuration: the worker group whose queue it serves. */
  readonly name: string;
  /** Memory of each worker, in MiB (its V8 heap limit); what cost is billed on. */
  readonly memoryMb: number;
  /** CPU quota of each worker in cores (0.5 = half a core); undefined when not limited. */
  readonly cpus: number | undefined;
  /**
   * Whether the quota is enforced (a Linux CPU controller was writable). When it is not,
   * planners treat every configuration as equally fast.
   */
  readonly cpusEnforced: boolean;
  /** Tasks one worker runs at once. */
  readonly threads: number;
  /** Most workers alive at once (summed over the gateways that serve the configuration). */
  readonly maxWorkers: number;
  /** An idle worker stays alive (warm) this long, in ms. */
  readonly keepAliveMs: number;
  /** Idle workers alive now, each as the ms left before its keep-alive ends (warm starts for the next run). */
  readonly warmWorkers?: readonly number[];
}

/**
 * The relative speed of one thread of a configuration for CPU-bound work: the share of a core each
 * of its threads gets when all are busy (`min(1, cpus / threads)`), 1 when no quota is enforced.
 */
export function threadSpeed(config: Pick<WorkerConfiguration, "cpus" | "cpusEnforced" | "threads">): number {
  if (!config.cpusEnforced || config.cpus === undefined) return 1;
  return Math.min(1, config.cpus / config.threads);
}

/**
 * The relative speed of a configuration's worker process for single-threaded work such as its own
 * start (booting Node, loading code): `min(1, cpus)`, 1 when no quota is enforced.
 */
export function processSpeed(config: Pick<WorkerConfiguration, "cpus" | "cpusEnforced">): number {
  if (!config.cpusEnforced || config.cpus === undefined) return 1;
  return Math.min(1, config.cpus);
}

/** Configurations sorted the planners' stable way: by memory, then name. */
export function byMemory(configs: readonly WorkerConfiguration[]): WorkerConfiguration[] {
  return [...configs].sort((a, b) => a.memoryMb - b.memoryMb || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
