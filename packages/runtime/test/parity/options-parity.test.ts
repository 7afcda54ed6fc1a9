/**
 * The parity suite, options: an option that has no meaning for a run's mode is rejected with a
 * message naming it, before anything runs or is submitted; never silently ignored.
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { InvalidOptionError, closeLocalPools, type RunOptions } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";

// A database of its own, with no worker: a remote run that got past validation would hang here.
const url = `${inject("redisUrl")}/15`;
const work = createWorkDir();
let mod: CompiledModule;
let redis: Redis;

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "parity-tasks.ts", name: "parity" }])).get("parity")!;
  redis = new Redis(url);
  await redis.flushdb();
});
afterAll(async () => {
  redis.disconnect();
  await closeLocalPools();
  work.dispose();
});

const remoteOnly: [string, RunOptions][] = [
  ["logs", { logs: true }],
  ["optimizations", { optimizations: { clustering: false } }],
  ["largeOutputBytes", { largeOutputBytes: 1024 }],
  ["delayedIoMaxMs", { delayedIoMaxMs: 10 }],
  ["signingKey", { signingKey: "a local run has no use for me" }],
];

describe("options that have no meaning for the mode", () => {
  it.each(remoteOnly)("a local run rejects the remote-only option %s, naming it", async (name, options) => {
    const error = await mod
      .handle("fanout")
      .run([1, 2], options)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe("TL_INVALID_OPTION");
    expect((error as Error).message).toMatch(new RegExp(`^options\\.${name} needs options\\.redis: .+; a local run does not use it$`));
  });

  it("a remote run rejects the local-only option concurrency, naming it, before anything is submitted", async () => {
    const error = await mod
      .handle("fanout")
      .run([1, 2], { redis: url, concurrency: 4 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toMatch(/^options\.concurrency has no meaning on a remote run \(options\.redis is set\): .*dag-worker --concurrency/);
    expect(await redis.dbsize()).toBe(0);
  });

  it("the same options are accepted in their own mode (logs: false is no request, so fine locally)", async () => {
    expect(await mod.handle("fanout").run([1, 2], { concurrency: 2, logs: false })).toBeDefined();
  });
});
