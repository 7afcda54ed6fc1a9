/**
 * A real gateway and its real `dag-worker` processes under a non-default key prefix: every key and
 * channel they and the client touch (log channel, start metrics, failure records, run keys, queue,
 * blobs) carries the prefix, and after the run none of the run's keys is left.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import type { RunLogMessage } from "../../dist/store/run-log-channel.js";
import { compileGatewayTasks, GatewayHarness } from "./gateway-harness.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";

const url = `${inject("redisUrl")}/12`;
const prefix = `tlp-${randomBytes(3).toString("hex")}`;
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  gw = await GatewayHarness.start(url, { configurations: [{ name: "default", memoryMb: 256, threads: 2, maxWorkers: 2, keepAliveMs: 1000 }] }, prefix);
  await gw.redis.flushdb();
});
afterAll(async () => {
  await gw.dispose();
  dispose();
});

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await gw.redis.scan(cursor, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys.sort();
}

describe("a gateway run under key prefix " + prefix, () => {
  it("leaves no key outside the prefix, and none of the run's keys after it (logs, start metrics, failure records included)", async () => {
    const channels: string[] = [];
    const watcher = gw.redis.duplicate();
    await watcher.psubscribe("*");
    watcher.on("pmessage", (_pattern: string, channel: string) => channels.push(channel));
    const messages: RunLogMessage[] = [];
    const ok = await runRemoteOutcome(mod, "burst", [1, 2, 3], url, { prefix, metricsTtlS: 0 }, { logs: (_l, m) => messages.push(m) });
    expect(ok.result).toBe(12);
    expect(messages.some((m) => m.kind === "log" && /slow 1 on its way/.test(m.line))).toBe(true);
    // A task the gateway stops twice for its timeout: failure records and their notices.
    const failed = runRemoteOutcome(mod, "stuckTwiceRun", "prefixed", url, { prefix, metricsTtlS: 0 }, { logs: (_l, m) => messages.push(m) });
    await expect(failed).rejects.toMatchObject({ code: "TL_TASK_TIMEOUT" });
    expect(messages.filter((m) => m.kind === "task-failed").map((m) => m.kind === "task-failed" && m.attempt)).toEqual([1, 2]);
    await watcher.quit();

    const keys = await allKeys();
    expect(keys.filter((k) => !k.startsWith(`${prefix}:`))).toEqual([]);
    expect(channels.length).toBeGreaterThan(0);
    expect([...new Set(channels)].filter((c) => !c.startsWith(`${prefix}:`))).toEqual([]);
    // What stays is shared across runs: content-addressed blobs, the group's queue, the start totals,
    // the running gateway's published configurations (removed when it stops), and the run index.
    const shared = new RegExp(
      `^${prefix}:((manifest|bundle):\\{[0-9a-f]+\\}|queue:\\{default\\}|gateway-start-stats|gateway-configurations|\\{runs\\}:(index|info))$`,
    );
    expect(keys.filter((k) => !shared.test(k))).toEqual([]);
    expect(keys).toContain(`${prefix}:gateway-start-stats`);
    expect(keys).toContain(`${prefix}:gateway-configurations`);
  }, 60_000);
});
