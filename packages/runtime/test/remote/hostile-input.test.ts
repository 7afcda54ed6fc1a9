/**
 * Hostile input, locally and on real `dag-worker` processes: values over `maxValueBytes` (the
 * input, a task's arguments, an output, a worker's own `--max-value-bytes`) fail the run with
 * `TL_VALUE_TOO_LARGE` naming the value and the task; a stored output corrupted, truncated or
 * oversized in Redis, a bundle whose bytes do not match its hash and a manifest of an unknown IR
 * version each fail the run with their own code; the worker logs it and serves the next run.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ModuleManifest } from "@taskloom/sdk/internal";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures-hostile", import.meta.url));
const PREFIX = "hx";

describe("hostile input", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let workers: WorkerProcess[] = [];
  let producer: WorkerProcess;
  let reader: WorkerProcess;
  let capped: WorkerProcess;
  let redis: Redis;

  /** Runs `workflow` on the workers of this file (prefix `hx`), optionally with the reader in group `hx-b`. */
  const remote = (workflow: string, input: unknown, options: { maxValueBytes?: number; group?: string; split?: boolean; manifest?: ModuleManifest } = {}) => {
    const m = options.manifest ? { ...mod, manifest: options.manifest } : mod;
    const readNode = mod.manifest.workflows.find((w) => w.name === "handOver")!.nodes.find((n) => n.kind === "task" && n.task.endsWith("Hostile.read"))!;
    const plan = { defaultGroup: options.group ?? "hx-a", ...(options.split ? { groups: { [readNode.id]: "hx-b" } } : {}) };
    return runRemoteOutcome(m, workflow, input, url, { prefix: PREFIX, plan }, options.maxValueBytes ? { maxValueBytes: options.maxValueBytes } : {}).then(
      (o) => o.result,
    );
  };
  const caught = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("the run succeeded");
      },
      (e: unknown) => e as Error & Record<string, unknown>,
    );

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "hostile-tasks.ts", name: "hostile" }])).get("hostile")!;
    [producer, reader, capped] = await Promise.all([
      startWorkers(url, 1, ["--prefix", PREFIX, "--group", "hx-a"]).then((w) => w[0]!),
      startWorkers(url, 1, ["--prefix", PREFIX, "--group", "hx-b"]).then((w) => w[0]!),
      startWorkers(url, 1, ["--prefix", PREFIX, "--group", "hx-capped", "--max-value-bytes", "1000"]).then((w) => w[0]!),
    ]);
    workers = [producer, reader, capped];
    redis = new Redis(url);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    redis?.disconnect();
    work.dispose();
  });

  it("an output over maxValueBytes fails with TL_VALUE_TOO_LARGE naming the task, locally and remotely alike", async () => {
    const local = await caught(mod.handle("big").run(5000, { maxValueBytes: 1000 }));
    expect(local).toMatchObject({
      name: "ValueTooLargeError",
      code: "TL_VALUE_TOO_LARGE",
      path: expect.stringMatching(/^output of task Hostile\.blob \(instance n\d+\)$/),
      bytes: 5000,
      limit: 1000,
      instanceId: expect.stringMatching(/^n\d+$/),
    });
    expect(local.message).toMatch(/^output of task Hostile\.blob \(instance n\d+\) is 4\.9 KiB, over the limit of 1000 B \(run option maxValueBytes/);
    const far = await caught(remote("big", 5000, { maxValueBytes: 1000 }));
    expect(far).toMatchObject({ name: "ValueTooLargeError", code: "TL_VALUE_TOO_LARGE", path: local.path, bytes: 5000, limit: 1000 });
    expect(far.message).toBe(local.message);
    // The worker lives on: the next run succeeds.
    expect(await remote("big", 500, { maxValueBytes: 1000 })).toBe(500);
    expect(producer.child.exitCode).toBeNull();
  });

  it("an input over maxValueBytes is refused before anything runs; a task's arguments over it fail that task", async () => {
    const input = await caught(mod.handle("measure").run("y".repeat(3000), { maxValueBytes: 1000 }));
    expect(input).toMatchObject({ code: "TL_VALUE_TOO_LARGE", path: "input", bytes: 3000 });
    const farInput = await caught(mod.handle("measure").run("y".repeat(3000), { maxValueBytes: 1000, redis: url }));
    expect(farInput.message).toBe(input.message);
    // Ten outputs of 200 bytes each are within the limit; the fan-in's arguments (2,000 bytes) are not.
    const args = await caught(mod.handle("fanIn").run({ n: 10, size: 200 }, { maxValueBytes: 1000 }));
    expect(args).toMatchObject({ code: "TL_VALUE_TOO_LARGE", path: expect.stringMatching(/^input of task Hostile\.total \(instance n\d+\)$/) });
    const farArgs = await caught(remote("fanIn", { n: 10, size: 200 }, { maxValueBytes: 1000 }));
    expect(farArgs).toMatchObject({ code: "TL_VALUE_TOO_LARGE", path: args.path });
    expect(await mod.handle("fanIn").run({ n: 4, size: 200 }, { maxValueBytes: 1000 })).toBe(800);
  });

  it("dag-worker --max-value-bytes caps every run on that worker, whatever the run allows", async () => {
    const error = await caught(remote("big", 5000, { group: "hx-capped" }));
    expect(error).toMatchObject({ code: "TL_VALUE_TOO_LARGE", limit: 1000, message: expect.stringContaining("over the limit of 1000 B") });
    expect(await remote("big", 900, { group: "hx-capped" })).toBe(900);
    expect(capped.child.exitCode).toBeNull();
  });

  /** Starts handOver(x) with the reader stopped (SIGSTOP), lets `tamper` change the stored output, then lets the reader go on. */
  async function tamperedHandOver(x: number, tamper: (key: string, field: string, value: string) => Promise<unknown>, maxValueBytes?: number) {
    reader.child.kill("SIGSTOP");
    try {
      const run = caught(remote("handOver", x, { split: true, ...(maxValueBytes ? { maxValueBytes } : {}) }));
      let done = false;
      for (let i = 0; i < 500 && !done; i++) {
        for (const key of await redis.keys(`${PREFIX}:{*}:out`)) {
          const fields = await redis.hgetall(key);
          for (const [field, value] of Object.entries(fields)) {
            await tamper(key, field, value);
            done = true;
          }
        }
        if (!done) await new Promise((r) => setTimeout(r, 10));
      }
      expect(done).toBe(true);
      reader.child.kill("SIGCONT");
      return await run;
    } finally {
      reader.child.kill("SIGCONT");
    }
  }

  it("a stored output truncated, corrupted or oversized in Redis fails the run with its own code; the reading worker logs it and lives on", async () => {
    const truncated = await tamperedHandOver(1, (key, field, value) => redis.hset(key, field, value.slice(0, Math.floor(value.length / 2) + 1)));
    expect(truncated).toMatchObject({
      name: "ValueCorruptError",
      code: "TL_VALUE_CORRUPT",
      instanceId: expect.stringMatching(/^n\d+$/),
      message: expect.stringMatching(/^the stored output of instance n\d+ in Redis cannot be decoded \(truncated or corrupted\): /),
    });
    expect(reader.output()).toMatch(/TL_VALUE_CORRUPT|cannot be decoded/);
    const corrupted = await tamperedHandOver(2, (key, field, value) =>
      redis.hset(key, field, Buffer.from(randomBytes(value.length)).toString("base64").slice(0, value.length)),
    );
    expect(corrupted).toMatchObject({ code: "TL_VALUE_CORRUPT" });
    const oversized = await tamperedHandOver(3, (key, field) => redis.hset(key, field, `J"${"z".repeat(5000)}"`), 1000);
    expect(oversized).toMatchObject({
      name: "ValueTooLargeError",
      code: "TL_VALUE_TOO_LARGE",
      path: expect.stringMatching(/^stored output of instance n\d+$/),
    });
    // Both workers serve the next run.
    expect(await remote("handOver", 4, { split: true })).toBe("item-4:8");
    expect(reader.child.exitCode).toBeNull();
    expect(producer.child.exitCode).toBeNull();
  });

  it("a bundle whose bytes do not match its hash is refused (TL_BUNDLE_HASH), never loaded; the worker lives on", async () => {
    // A manifest naming the bundle by another hash: the client uploads the real bytes under it.
    const hash = randomBytes(8).toString("hex");
    const manifest = { ...mod.manifest, bundle: { ...mod.manifest.bundle, hash } };
    const error = await caught(remote("big", 10, { manifest }));
    expect(error).toMatchObject({
      name: "BundleError",
      code: "TL_BUNDLE_HASH",
      message: expect.stringMatching(
        new RegExp(`^task bundle ${hash} in Redis does not match its hash \\(its \\d+ bytes hash to ${mod.manifest.bundle.hash}\\)`),
      ),
    });
    expect(producer.output()).toContain(`TL_BUNDLE_HASH task bundle ${hash} in Redis does not match its hash`);
    await redis.del(`${PREFIX}:bundle:{${hash}}`);
    expect(await remote("big", 10)).toBe(10);
  });

  it("a manifest of an unknown IR version fails the run with TL_MANIFEST saying which side to upgrade; the worker lives on", async () => {
    const manifest = { ...mod.manifest, version: 99 } as unknown as ModuleManifest;
    const error = await caught(remote("big", 10, { manifest }));
    expect(error).toMatchObject({
      name: "ManifestError",
      code: "TL_MANIFEST",
      message: expect.stringContaining("has IR version 99; this runtime runs versions"),
    });
    expect(error.message).toContain("upgrade the runtime");
    expect(producer.output()).toContain("TL_MANIFEST");
    expect(await remote("big", 11)).toBe(11);
    expect(producer.child.exitCode).toBeNull();
  });
});
