/**
 * A configuration's `cpus` on a real `dag-gateway`: each worker in a cgroup of its own under the
 * writable cgroup v1 cpu controller with the quota written (`cpu.cfs_quota_us`), shown in the
 * ledger and `dag-gateway status`, slowing a CPU-bound task; the configurations published in Redis;
 * the cgroups and the published entry gone after the gateway stops; and, where no controller is
 * writable, "not enforced" at start, in status and in what is published.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readGatewayConfigurations } from "../../dist/store/gateway-configurations.js";
import type { CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";
import { compileGatewayTasks, GatewayHarness, waitUntil } from "./gateway-harness.js";

const CLI = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));
const CPU_ROOT = "/sys/fs/cgroup/cpu";
const url = inject("redisUrl");
const prefix = "tlcpu";
const harnesses: GatewayHarness[] = [];
let mod: CompiledModule;
let dispose = (): void => {};
let redis: Redis;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  redis = new Redis(url);
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
  // A gateway killed by a failed test (SIGKILL) cannot remove its workers' cgroups.
  for (const name of existsSync(CPU_ROOT) ? readdirSync(CPU_ROOT) : []) {
    if (name.startsWith("taskloom-tiny-cpu")) {
      try {
        rmdirSync(join(CPU_ROOT, name));
      } catch {
        // Its worker is still exiting.
      }
    }
  }
  redis.disconnect();
  dispose();
});

async function timedSpin(group: string, rounds: number): Promise<number> {
  const started = performance.now();
  const { result } = await runRemoteOutcome(mod, "spinRun", rounds, url, { plan: { defaultGroup: group }, prefix });
  expect(typeof result).toBe("number");
  return performance.now() - started;
}

describe("dag-gateway: cpus per configuration", () => {
  it("puts each worker of a configuration with cpus under a cgroup v1 quota, shows it, slows CPU-bound work, publishes the configurations, and removes its cgroups on stop", async () => {
    // The machine facts say the v1 cpu controller is writable here: the test needs it.
    expect(existsSync(join(CPU_ROOT, "cpu.cfs_quota_us"))).toBe(true);
    const gw = await GatewayHarness.start(
      url,
      {
        configurations: [
          { name: "tiny-cpu", memoryMb: 256, cpus: 0.1, threads: 1, maxWorkers: 1, keepAliveMs: 30_000 },
          { name: "free-cpu", memoryMb: 512, threads: 1, maxWorkers: 1, keepAliveMs: 30_000 },
        ],
      },
      prefix,
    );
    harnesses.push(gw);
    // Warm both workers, then time the same CPU-bound task on each.
    await timedSpin("tiny-cpu", 1);
    await timedSpin("free-cpu", 1);
    const free = await timedSpin("free-cpu", 20);
    const tiny = await timedSpin("tiny-cpu", 20);

    const status = await gw.status();
    const tinyConfig = status.configurations.find((c) => c.name === "tiny-cpu")!;
    expect(tinyConfig.cpus).toEqual({ cores: 0.1, enforced: true, detail: `cgroup v1 cpu.cfs_quota_us 10000/100000 (${CPU_ROOT})` });
    expect(status.configurations.find((c) => c.name === "free-cpu")!.cpus).toBeUndefined();
    const worker = status.workers.find((w) => w.config === "tiny-cpu" && w.state !== "exited")!;
    expect(worker.cpuQuota).toMatch(/^cgroup v1 cpu\.cfs_quota_us 10000\/100000/);
    expect(status.workers.find((w) => w.config === "free-cpu" && w.state !== "exited")!.cpuQuota).toBeNull();

    // The worker's cgroup: the quota, its pid, and throttled periods from the CPU-bound task.
    const dir = join(CPU_ROOT, `taskloom-${worker.id.replace(/[^A-Za-z0-9._-]/g, "_")}`);
    expect(readFileSync(join(dir, "cpu.cfs_quota_us"), "utf8").trim()).toBe("10000");
    expect(readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")).toContain(String(worker.pid));
    expect(Number(/nr_throttled (\d+)/.exec(readFileSync(join(dir, "cpu.stat"), "utf8"))![1])).toBeGreaterThan(0);
    // A tenth of a core: the quota, not the machine, held the task back for most of its time.
    const throttledMs = Number(/throttled_time (\d+)/.exec(readFileSync(join(dir, "cpu.stat"), "utf8"))![1]) / 1e6;
    expect(throttledMs).toBeGreaterThan(0.4 * tiny);
    expect(tiny).toBeGreaterThan(free);

    const printed = execFileSync(process.execPath, [CLI, "status", "--port", String(gw.port)], { encoding: "utf8" });
    expect(printed).toMatch(/configuration tiny-cpu: 256 MB, 0\.1 cpus \(cgroup v1 cpu\.cfs_quota_us 10000\/100000/);
    expect(printed).toMatch(/tiny-cpu#\d@\w+\s+\d+\s+\w+\s+\d+\s+\d+\s+\d\/1\s+cgroup v1 cpu\.cfs_quota_us 10000\/100000/);

    const published = await readGatewayConfigurations(redis, prefix);
    expect(published.gateways).toHaveLength(1);
    expect(published.gateways[0]!.configurations.map((c) => [c.name, c.memoryMb, c.cpus, c.cpusEnforced, c.threads, c.maxWorkers, c.keepAliveMs])).toEqual([
      ["tiny-cpu", 256, 0.1, true, 1, 1, 30_000],
      ["free-cpu", 512, undefined, false, 1, 1, 30_000],
    ]);
    // Both workers are idle now: each is a warm worker with most of its keep-alive left.
    const warm = await waitUntil("the warm workers to be published", async () => {
      const g = (await readGatewayConfigurations(redis, prefix)).gateways[0]!;
      return g.configurations.every((c) => c.warmWorkers.length === 1) ? g : undefined;
    });
    for (const c of warm.configurations) expect(c.warmWorkers[0]).toBeGreaterThan(20_000);
    expect(published.starts["tiny-cpu"]?.coldMs).toBeGreaterThan(0);

    gw.child.kill("SIGTERM");
    expect(await gw.exit).toBe(0);
    await waitUntil("the worker's cgroup to be removed", () => !existsSync(dir), 5000);
    expect((await readGatewayConfigurations(redis, prefix)).gateways).toEqual([]);
  });

  it('says "not enforced" at start, in status and in Redis where no CPU controller is writable', async () => {
    const gw = await GatewayHarness.start(
      url,
      { configurations: [{ name: "no-controller", memoryMb: 256, cpus: 0.5, threads: 1, maxWorkers: 1, keepAliveMs: 1000 }] },
      prefix,
      { TASKLOOM_CGROUP_ROOT: "/nonexistent/cgroup" },
    );
    harnesses.push(gw);
    expect(gw.find(/listening on/)).toMatch(/no-controller \(256 MB x1, max 1, 0\.5 cpus NOT enforced\)/);
    // Printed right after the "listening" line: the harness may have returned before it arrived.
    await waitUntil("the not-enforced notice", () => gw.find(/configuration no-controller: cpus 0\.5 not enforced: no writable CPU controller/), 5000);
    const status = await gw.status();
    expect(status.configurations[0]!.cpus).toMatchObject({ cores: 0.5, enforced: false });
    expect(status.configurations[0]!.cpus!.detail).toMatch(/^not enforced: no writable CPU controller \(\/nonexistent\/cgroup: no cpu controller\)/);
    const printed = execFileSync(process.execPath, [CLI, "status", "--port", String(gw.port)], { encoding: "utf8" });
    expect(printed).toMatch(/configuration no-controller: 256 MB, 0\.5 cpus \(NOT ENFORCED: no writable CPU controller/);
    const published = await readGatewayConfigurations(redis, prefix);
    const mine = published.gateways.flatMap((g) => g.configurations).find((c) => c.name === "no-controller");
    expect(mine).toMatchObject({ name: "no-controller", cpus: 0.5, cpusEnforced: false });
    gw.child.kill("SIGTERM");
    expect(await gw.exit).toBe(0);
  });
});
