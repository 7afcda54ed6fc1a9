/**
 * A real gateway on a real Redis Cluster (three redis-server nodes): it connects through the same
 * connection helper as clients and workers, so it detects the cluster, serves the group's queue,
 * starts its dag-workers on the cluster URL, and relays the tasks' lines to the client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import type { RunLogMessage } from "../../dist/store/run-log-channel.js";
import { startRedisCluster, type RedisHandle } from "../../../../test/setup/redis-server.js";
import { compileGatewayTasks, GatewayHarness } from "./gateway-harness.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";

let cluster: RedisHandle;
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness | undefined;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  cluster = await startRedisCluster();
  gw = await GatewayHarness.start(cluster.url, { configurations: [{ name: "default", memoryMb: 256, threads: 2, maxWorkers: 2, keepAliveMs: 1000 }] });
}, 60_000);
afterAll(async () => {
  await gw?.dispose();
  await cluster?.stop();
  dispose();
});

describe("dag-gateway on a Redis Cluster URL", () => {
  it("starts workers for the run's hand-offs, which complete it, and relays the tasks' lines", async () => {
    const messages: RunLogMessage[] = [];
    const ok = await runRemoteOutcome(mod, "burst", [1, 2, 3], cluster.url, {}, { logs: (_l, m) => messages.push(m) });
    expect(ok.result).toBe(12);
    expect(messages.some((m) => m.kind === "log" && /slow 1 on its way/.test(m.line))).toBe(true);
    expect(gw!.workerPids.size).toBeGreaterThan(0);
    expect(gw!.find(/\[gateway\] started \S+ \(pid \d+/)).toBeDefined();
  }, 60_000);
});
