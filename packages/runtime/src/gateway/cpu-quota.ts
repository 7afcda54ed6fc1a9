import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The period the quotas are expressed in (µs): 100 ms, the kernel's default. */
export const CPU_PERIOD_US = 100_000;

/** A Linux CPU controller a gateway can give each worker a quota in. */
export interface CpuController {
  kind: "cgroup v1" | "cgroup v2";
  /** Directory the gateway makes its cgroups in. */
  root: string;
}

/** Where a quota is (or is not) in force, as the ledger and `dag-gateway status` show it. */
export interface CpuQuotaState {
  /** Cores per worker the configuration asks for. */
  cpus: number;
  enforced: boolean;
  /** `cgroup v1 cpu.cfs_quota_us 50000/100000`, or why it is not enforced. */
  detail: string;
}

/**
 * Finds a writable CPU controller: cgroup v2 where its root lists `cpu` in `cgroup.controllers`
 * and `cgroup.subtree_control` (`cpu.max`), else the v1 `cpu` hierarchy (`cpu.cfs_quota_us`); the
 * candidates are `TASKLOOM_CGROUP_ROOT` when set (a directory of either kind), else
 * `/sys/fs/cgroup`, `/sys/fs/cgroup/unified` (v2) and `/sys/fs/cgroup/cpu`,
 * `/sys/fs/cgroup/cpu,cpuacct` (v1). A candidate counts only when a test cgroup can be made,
 * written and removed in it. Returns why none could be used otherwise.
 */
export function findCpuController(): CpuController | string {
  const override = process.env.TASKLOOM_CGROUP_ROOT;
  const candidates = override ? [override] : ["/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"];
  const tried: string[] = [];
  for (const root of candidates) {
    const kind = controllerKind(root);
    if (!kind) {
      tried.push(`${root}: no cpu controller`);
      continue;
    }
    const probe = join(root, `taskloom-probe-${process.pid}`);
    try {
      mkdirSync(probe);
      try {
        writeQuota({ kind, root }, probe, 1);
      } finally {
        rmdirSync(probe);
      }
      removeStaleCgroups(root);
      return { kind, root };
    } catch (error) {
      tried.push(`${root}: ${(error as Error).message}`);
    }
  }
  return `no writable CPU controller (${tried.join("; ")})`;
}

/**
 * Removes the empty `taskloom-*` cgroups that earlier gateways left under `root` (one killed with
 * SIGKILL removes nothing). A cgroup that still holds a process cannot be removed: a live
 * gateway's workers keep theirs.
 */
function removeStaleCgroups(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root).filter((name) => name.startsWith("taskloom-"));
  } catch {
    return;
  }
  for (const name of names) {
    try {
      rmdirSync(join(root, name));
    } catch {
      // In use (a live worker) or not ours to remove: kept.
    }
  }
}

function controllerKind(root: string): CpuController["kind"] | undefined {
  if (existsSync(join(root, "cpu.cfs_quota_us"))) return "cgroup v1";
  try {
    const controllers = readFileSync(join(root, "cgroup.controllers"), "utf8").split(/\s+/);
    const subtree = readFileSync(join(root, "cgroup.subtree_control"), "utf8").split(/\s+/);
    if (controllers.includes("cpu") && subtree.includes("cpu")) return "cgroup v2";
  } catch {
    // Not a cgroup2 directory.
  }
  return undefined;
}

/** The quota of `cpus` cores in µs per {@link CPU_PERIOD_US} (at least 1 ms, the kernel's minimum). */
function quotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
}

function writeQuota(controller: CpuController, dir: string, cpus: number): void {
  if (controller.kind === "cgroup v2") {
    writeFileSync(join(dir, "cpu.max"), `${quotaUs(cpus)} ${CPU_PERIOD_US}`);
    return;
  }
  writeFileSync(join(dir, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
  writeFileSync(join(dir, "cpu.cfs_quota_us"), String(quotaUs(cpus)));
}

/**
 * The CPU quota of one configuration's workers: a cgroup per worker (`taskloom-<worker id>` under
 * the controller's root) with the quota written before the worker is moved in, removed once
 * the worker exited. Without a controller every worker runs unlimited and the state says why.
 */
export class CpuQuota {
  readonly state: CpuQuotaState;
  readonly #made = new Map<string, string>();

  constructor(
    readonly cpus: number,
    private readonly controller: CpuController | string,
  ) {
    this.state =
      typeof controller === "string"
        ? { cpus, enforced: false, detail: `not enforced: ${controller}` }
        : { cpus, enforced: true, detail: writeQuotaDetail(controller, cpus) };
  }

  get enforced(): boolean {
    return this.state.enforced;
  }

  /** Puts worker `id` (process `pid`) under the quota; returns an error message when it could not (the worker then runs unlimited). */
  apply(id: string, pid: number): string | undefined {
    if (typeof this.controller === "string") return undefined;
    const dir = join(this.controller.root, `taskloom-${id.replace(/[^A-Za-z0-9._-]/g, "_")}`);
    try {
      mkdirSync(dir, { recursive: true });
      this.#made.set(id, dir);
      writeQuota(this.controller, dir, this.cpus);
      writeFileSync(join(dir, "cgroup.procs"), String(pid));
      return undefined;
    } catch (error) {
      return `cannot put ${id} under its CPU quota in ${dir}: ${(error as Error).message}`;
    }
  }

  /** Removes worker `id`'s cgroup (after it exited). */
  release(id: string): void {
    const dir = this.#made.get(id);
    if (!dir) return;
    this.#made.delete(id);
    try {
      rmdirSync(dir);
    } catch {
      // Still has a process (it exits a moment later): retried once.
      setTimeout(() => {
        try {
          rmdirSync(dir);
        } catch {
          // Left behind: the kernel keeps an empty cgroup; named after the gateway, it is easy to find.
        }
      }, 200).unref();
    }
  }

  /** The cgroups made and not yet removed (for tests and status). */
  get cgroups(): string[] {
    return [...this.#made.values()];
  }
}

function writeQuotaDetail(controller: CpuController, cpus: number): string {
  return controller.kind === "cgroup v2"
    ? `cgroup v2 cpu.max ${quotaUs(cpus)} ${CPU_PERIOD_US} (${controller.root})`
    : `cgroup v1 cpu.cfs_quota_us ${quotaUs(cpus)}/${CPU_PERIOD_US} (${controller.root})`;
}
