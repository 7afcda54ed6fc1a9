import { afterAll, describe, expect, inject, it } from "vitest";
import { alive, GatewayHarness, waitUntil } from "./gateway-harness.js";

const harnesses: GatewayHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
});

describe("dag-gateway: two configurations, 256 MB and 1024 MB", () => {
  it("enforces each configuration's heap limit: the same task fails out of memory in the small one and runs in the big one", async () => {
    const gw = await GatewayHarness.start(inject("redisUrl"), "gwmem", {
      configurations: [
        { name: "small", memoryMb: 256, threads: 1, maxWorkers: 1, keepAliveMs: 3000 },
        { name: "big", memoryMb: 1024, threads: 1, maxWorkers: 1, keepAliveMs: 3000 },
      ],
    });
    harnesses.push(gw);
    const task = { kind: "alloc" as const, mb: 400, retries: 0, name: "Images.decode" };
    await gw.enqueue("small", "m1", { decode: task });
    await gw.enqueue("big", "m2", { decode: task });

    const big = await waitUntil("the big configuration's task", async () => (await gw.results("m2")).decode, 30_000);
    expect(big.ok).toBe(true);
    expect(big.worker).toMatch(/^big#1@/);

    const small = await waitUntil("the small configuration's task", async () => (await gw.results("m1")).decode, 30_000);
    expect(small.ok).toBe(false);
    expect(small.message).toMatch(
      /^task Images\.decode \(run m1, task decode\) ran out of memory in configuration "small" \(heap limit 256 MB\)/,
    );
    const status = await gw.status();
    const dead = status.workers.find((w) => w.id.startsWith("small#1@"))!;
    expect(dead).toMatchObject({ state: "exited", outOfMemory: true });
    expect(alive(dead.pid)).toBe(false);
    expect(gw.find(/^\[small#1@\w+ run=m1 task=decode stderr\] .*(heap out of memory|Reached heap limit)/)).toBeDefined();
    expect(status.workers.find((w) => w.id.startsWith("big#1@"))).toMatchObject({ outOfMemory: false, tasksDone: 1 });
  });
});
