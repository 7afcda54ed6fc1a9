/**
 * Two configurations, 256 MB and 1024 MB, of real `dag-worker` processes: a compiled task that
 * allocates 400 MB fails out of memory in the small one, with an error naming the task, the
 * configuration and its limit, and runs in the big one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { compileGatewayTasks, GatewayHarness, runInGroup, waitUntil } from "./gateway-harness.js";

const url = `${inject("redisUrl")}/8`;
const harnesses: GatewayHarness[] = [];
let mod: CompiledModule;
let dispose = (): void => {};

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.dispose()));
  dispose();
});

describe("dag-gateway: two configurations, 256 MB and 1024 MB", () => {
  it("enforces each configuration's heap limit: the same task fails out of memory in the small one and runs in the big one", async () => {
    const gw = await GatewayHarness.start(url, {
      configurations: [
        { name: "small", memoryMb: 256, threads: 1, maxWorkers: 1, keepAliveMs: 20_000 },
        { name: "big", memoryMb: 1024, threads: 1, maxWorkers: 1, keepAliveMs: 2000 },
      ],
    });
    harnesses.push(gw);
    const [small, big] = await Promise.allSettled([runInGroup(mod, "allocate", 400, url, "small"), runInGroup(mod, "allocate", 400, url, "big")]);
    expect(big).toEqual({ status: "fulfilled", value: 400 });
    expect(small.status).toBe("rejected");
    const error = (small as PromiseRejectedResult).reason as Error & { code: string };
    expect(error.code).toBe("TL_TASK_OOM");
    expect(error.message).toMatch(
      /^task Images\.decode \(instance n\d+, \S+:\d+:\d+, on worker small#1@\w+\) failed: ran out of memory: the thread reached its heap limit of 256 MB \(dag-worker --memory-mb\)/,
    );
    expect(gw.find(/^\[small#1@\w+ run=[\w-]+ task=n\d+\] allocated 200 MB$/)).toBeDefined();
    expect(gw.find(/^\[big#1@\w+ run=[\w-]+ task=n\d+\] allocated 400 MB in total$/)).toBeDefined();
    // The worker survives its thread's death and serves the next run (its keep-alive outlasts the big run on a busy machine).
    const survivor = await waitUntil("the small worker to end its task", async () =>
      (await gw.status()).workers.find((w) => w.id.startsWith("small#1@") && w.tasksDone === 1),
    );
    expect(survivor).toMatchObject({ state: "idle", outOfMemory: false });
    expect(await runInGroup(mod, "allocate", 10, url, "small")).toBe(10);
  });
});
