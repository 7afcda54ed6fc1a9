import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidOptionError } from "@taskloom/sdk";
import {
  RunAbortedError,
  RunTimeoutError,
  TaskFailedError,
  closeLocalPools,
  isRuntimeError,
  type RunEvent,
  type RunReport,
  type WorkflowHandle,
} from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";
import { Local } from "./fixtures/local-tasks.js";

const work = createWorkDir();
let mod: CompiledModule;
const handle = <I, R = unknown>(name: string): WorkflowHandle<I, R> => mod.handle<I, R>(name);

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "local-tasks.ts", name: "local" }]);
  mod = compiled.get("local") as CompiledModule;
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the run to reject");
}

describe("local runtime: threads", () => {
  it("starts a pool's threads as work needs them: one for a chain, more while work waits for one, and keeps them", async () => {
    const threadsOf = async (): Promise<number> => {
      // The handle's runtime is the built one: its pools are those of dist/.
      const { leasePool, releasePool } = await import("../../dist/threads/pool-set.js");
      const shared = leasePool(3, undefined, "on-demand");
      const n = shared.pool.threads.length;
      await releasePool(shared, false);
      return n;
    };
    expect(await handle<number>("chain").run(5, { concurrency: 3 })).toBe(Local.chain(5));
    expect(await threadsOf()).toBe(1);
    // Three waits of 300 ms side by side: three threads, the run no longer than about one wait plus a thread's start.
    const t0 = performance.now();
    expect(await handle<number[]>("fanoutWaits").run([300, 300, 300], { concurrency: 3 })).toBe(900);
    expect(performance.now() - t0).toBeLessThan(850);
    expect(await threadsOf()).toBe(3);
    expect(await handle<number>("chain").run(5, { concurrency: 3 })).toBe(Local.chain(5));
    expect(await threadsOf()).toBe(3);
  });
});

describe("local runtime: results equal the direct call", () => {
  it("runs a chain, a fan-out/fan-in and a tree reduction", async () => {
    expect(await handle<number>("chain").run(5)).toBe(Local.chain(5));
    const xs = Array.from({ length: 37 }, (_, i) => i * 3);
    expect(await handle<number[]>("fanout").run(xs, { concurrency: 2 })).toBe(Local.fanout(xs));
    expect(await handle<number[]>("tree").run(xs, { concurrency: 2 })).toBe(Local.tree(xs));
  });

  // Reduce leaves stay on the thread only when a pair of the reduce reads them and nothing else does.
  it("brings back reduce leaves that are the reduce's result or that another task reads", async () => {
    expect(await handle<number[]>("tree").run([5], { concurrency: 2 })).toBe(Local.tree([5]));
    for (const xs of [[5], [1, 2], Array.from({ length: 37 }, (_, i) => i)]) {
      for (const concurrency of [1, 2]) expect(await handle<number[]>("treeAndSum").run(xs, { concurrency })).toEqual(Local.treeAndSum(xs));
    }
  });

  it("runs an empty fan-out (length 0), and fails a treeReduce of nothing like the direct call", async () => {
    expect(await handle<number[]>("fanout").run([])).toBe(0);
    expect(() => Local.tree([])).toThrow(/empty/);
    const error = await rejection(handle<number[]>("tree").run([]));
    expect(error.code).toBe("TL_EMPTY_REDUCE");
  });

  it("runs a 10,000-wide fan-out of tiny tasks", async () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const { result, report } = await handle<number[], number>("fanout").run(xs, { concurrency: 2, report: true });
    expect(result).toBe(Local.fanout(xs));
    expect(report.counts.finished).toBe(10_001);
    expect(report.counts.batches).toBeLessThan(200);
    const sum = report.tasks.find((t) => t.instanceId === "n2") ?? report.tasks.at(-1)!;
    expect(report.tasks.every((t) => t.configuration === "local" && t.planner === "local" && t.cpuFraction !== undefined)).toBe(true);
    expect(sum.inputSources.memory + sum.inputSources.thread).toBe(sum.inputBytes);
    expect(report.tasks.filter((t) => t.start === "cold").length).toBeLessThanOrEqual(2);
    expect(report.cost.workers).toMatchObject([{ worker: "local", configuration: "local" }]);
  });

  it("keeps value types across the thread boundary", async () => {
    const value = {
      map: new Map<unknown, unknown>([
        ["a", 1],
        [2, { deep: new Set([1, 2]) }],
      ]),
      set: new Set(["x", "y"]),
      date: new Date("2024-01-02T03:04:05.678Z"),
      big: 12345678901234567890n,
      floats: new Float64Array([1.5, -2.25]),
      bytes: new Uint8Array([1, 2, 3]),
      buffer: Buffer.from("héllo"),
      nothing: undefined,
      nested: { list: [undefined, [Buffer.from([9]), new Map([["k", new Date(0)]])]] },
    };
    const out = (await handle<typeof value>("values").run(value)) as { same: typeof value; kinds: string[] };
    expect(out).toEqual(Local.values(value));
    expect(Buffer.isBuffer(out.same.buffer)).toBe(true);
    expect(Buffer.isBuffer(out.same.nested.list[1]?.[0])).toBe(true);
    expect(out.same.floats).toBeInstanceOf(Float64Array);
    expect("nothing" in out.same).toBe(true);
    expect(out.kinds).toContain("buffer:Buffer");
  });
});

describe("local runtime: large Maps and objects of numbers (columnar wire form)", () => {
  const counts = (n: number) => new Map<string, number>(Array.from({ length: n }, (_, i) => [`w${i}`, i * 1.5]));

  it("keeps every key, value and the order, with odd keys and special numbers", async () => {
    const map = counts(5_000)
      .set("", 0)
      .set("é☃\u0000𝄞", -0)
      .set("nan", NaN)
      .set("inf", -Infinity)
      .set("huge", 2 ** 60 + 2);
    const out = await handle<Map<string, number>, Map<string, number>>("echoValue").run(map);
    expect(out).toBeInstanceOf(Map);
    expect([...out.keys()]).toEqual([...map.keys()]);
    expect([...out.values()]).toEqual([...map.values()]);
    expect(Object.is(out.get("é☃\u0000𝄞"), -0)).toBe(true);
  });

  it("keeps a large plain object of numbers: keys, their order and values", async () => {
    const record = { ...Object.fromEntries(counts(3_000)), "12": 12, "3": 3, "": NaN };
    const out = await handle<typeof record, typeof record>("echoValue").run(record);
    expect(Object.keys(out)).toEqual(Object.keys(record));
    expect(out).toEqual(record);
  });

  it("falls back to V8's form for a large Map with another key or value type", async () => {
    const mixedValue = counts(2_000).set("date", new Date(0) as unknown as number);
    const mixedKey = new Map<unknown, number>(counts(2_000)).set(7, 7);
    expect(await handle<unknown, unknown>("echoValue").run(mixedValue)).toEqual(mixedValue);
    expect(await handle<unknown, unknown>("echoValue").run(mixedKey)).toEqual(mixedKey);
  });

  // Three tables on three threads; the pair reads the second and third: piscina alone would pick
  // the first idle thread (which made the first table), the preference picks one holding an input.
  it("runs a task on the idle thread that still holds a large input, which it gets live (not decoded)", async () => {
    const expected = Local.residentPair([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      const { result, report } = await handle<number[], { total: number; live: boolean }>("residentPair").run([1, 2, 3], { concurrency: 3, report: true });
      expect(result).toEqual(expected);
      expect(result.live).toBe(true);
      expect(new Set(report.tasks.filter((t) => t.name.endsWith("bigCounts")).map((t) => t.thread)).size).toBe(3);
    }
  });

  it("merges large counts across threads in a tree like the direct call", async () => {
    const parts = Array.from({ length: 8 }, (_, p) => new Map([...counts(3_000)].map(([k, v]) => [k, v + p])));
    expect(await handle<Map<string, number>[]>("mergeCounts").run(parts, { concurrency: 2 })).toEqual(Local.mergeCounts(parts));
  });
});

describe("local runtime: failures", () => {
  it("rejects with the failed task instance, the original message and stack, and a report", async () => {
    const error = await rejection(handle<number[]>("failing").run([1, 2, 3, 4], { concurrency: 2 }));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(isRuntimeError(error, "TL_TASK_FAILED")).toBe(true);
    expect(String(error.instanceId)).toMatch(/^n\d+\[2\]$/);
    expect(error.message).toContain(`instance ${String(error.instanceId)}`);
    expect(error.message).toContain("Local.boom");
    expect(error.message).toContain("boom at 3");
    expect(error.message).toMatch(/local-tasks\.ts:\d+:\d+/);
    expect(error.originalStack).toContain("TypeError: boom at 3");
    expect(error.stack).toContain("Caused by: TypeError: boom at 3");
    expect((error.cause as Error).name).toBe("TypeError");
    const report = error.report as RunReport;
    expect(report.status).toBe("failed");
    expect(report.tasks.find((t) => t.status === "failed")?.error).toContain("boom at 3");
  });

  it("normalises a thrown non-Error at the thread boundary", async () => {
    const error = await rejection(handle<number>("stringThrow").run(1));
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.message).toContain("a plain string");
  });

  it("retries a failing task with backoff until it succeeds", async () => {
    const counter = join(work.dir, "flaky-counter");
    writeFileSync(counter, "");
    const events: RunEvent[] = [];
    const { result, report } = await handle<{ counter: string; failures: number }, string>("retried").run(
      { counter, failures: 2 },
      { report: true, onEvent: (e) => events.push(e) },
    );
    expect(result).toBe("ok after 3");
    expect(report.tasks[0]?.attempts).toBe(3);
    expect(report.counts.retries).toBe(2);
    expect(events.filter((e) => e.type === "retrying").map((e) => (e as { delayMs: number }).delayMs)).toEqual([5, 10]);
    expect(events.filter((e) => e.type === "failed").every((e) => e.type === "failed" && !e.final)).toBe(true);
  });

  it("fails a task that exceeds its timeoutMs, stopping its thread", async () => {
    const started = Date.now();
    const error = await rejection(handle<number>("slow").run(20_000));
    expect(error.code).toBe("TL_TASK_TIMEOUT");
    expect(error.message).toMatch(/Local\.spin.*timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("fails a task that exceeds its memoryMb with an out-of-memory error in the report", async () => {
    const error = await rejection(handle<number>("memory").run(512));
    expect(error.code).toBe("TL_TASK_OOM");
    expect(error.message).toMatch(/Local\.hog.*ran out of memory: the thread reached its heap limit of 32 MB \(task option memoryMb\)/);
    expect(error.memoryMb).toBe(32);
    const report = error.report as RunReport;
    expect(report.tasks[0]?.status).toBe("failed");
    expect(report.tasks[0]?.error).toMatch(/out of memory/);
  });

  it("rejects a run that exceeds options.timeoutMs, and an aborted run", async () => {
    const timedOut = await rejection(handle<number>("waiting").run(5_000, { timeoutMs: 100 }));
    expect(timedOut).toBeInstanceOf(RunTimeoutError);
    expect(timedOut.message).toContain("100 ms");
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user stop")), 50);
    const aborted = await rejection(handle<number>("waiting").run(5_000, { signal: controller.signal }));
    expect(aborted).toBeInstanceOf(RunAbortedError);
    expect(aborted.message).toContain("user stop");
    const pre = await rejection(handle<number>("chain").run(1, { signal: AbortSignal.abort() }));
    expect(pre.code).toBe("TL_RUN_ABORTED");
  });

  it("validates run options with the option's name and value", async () => {
    const h = handle<number>("chain");
    await expect(h.run(1, { concurrency: 0 })).rejects.toThrow(InvalidOptionError);
    await expect(h.run(1, { concurrency: 0 })).rejects.toThrow("options.concurrency must be a positive integer, got 0");
    await expect(h.run(1, { timeoutMs: -5 })).rejects.toThrow("options.timeoutMs must be a positive integer, got -5");
    await expect(h.run(1, { colour: "red" } as never)).rejects.toThrow('unknown run option "colour"');
  });
});

describe("local runtime: events, report, progress, exit", () => {
  it("emits per-task events and reports every instance with worker, times and bytes", async () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const events: RunEvent[] = [];
    const { result, report } = await handle<number[], number>("tree").run(xs, { report: true, concurrency: 2, onEvent: (e) => events.push(e) });
    expect(result).toBe(Local.tree(xs));
    expect(report.tasks).toHaveLength(15);
    expect(report.counts).toMatchObject({ tasks: 15, finished: 15, failed: 0, retries: 0 });
    expect(report.makespanMs).toBeGreaterThan(0);
    for (const t of report.tasks) {
      expect(t.worker).toBe("local");
      expect(typeof t.thread).toBe("number");
      expect(t.executionMs).toBeGreaterThanOrEqual(0);
      expect(t.queueWaitMs).toBeGreaterThanOrEqual(0);
      expect(t.inputBytes).toBeGreaterThan(0);
      expect(t.outputBytes).toBe(8);
      expect(t.attempts).toBe(1);
    }
    for (const type of ["queued", "started", "finished"] as const) {
      expect(new Set(events.filter((e) => e.type === type).map((e) => e.instanceId)).size).toBe(15);
    }
    const started = events.find((e) => e.type === "started" && e.instanceId === report.tasks[0]?.instanceId);
    expect(started?.at).toBe(report.tasks[0]?.startedAt);
  });

  // A batch runs each joined instance as soon as its inputs exist (what a direct call keeps alive).
  it("runs a batch depth-first: a reduction's pairs right after their two leaves", async () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const { result, report } = await handle<number[], number>("tree").run(xs, { report: true, concurrency: 1 });
    expect(result).toBe(Local.tree(xs));
    expect(report.counts.batches).toBe(1);
    const order = [...report.tasks].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0)).map((t) => (t.name === "Local.inc" ? "i" : "a"));
    expect(order.join("")).toBe("iiaiiaaiiaiiaaa");
  });

  it("draws a progress bar when forced, with a final line", async () => {
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
    await handle<number[]>("fanout").run([1, 2, 3], { progress: { force: true, stream } });
    expect(text).toMatch(/\[#+\] 4\/4 tasks .* done\n$/);
  });

  it("lets a process that awaited run() exit on its own", () => {
    const script = join(work.dir, "exit-check.mjs");
    writeFileSync(
      script,
      [
        'import { createWorkflowHandle } from "@taskloom/runtime";',
        `const manifest = ${JSON.stringify(mod.manifest)};`,
        `const h = createWorkflowHandle(manifest, "tree", new URL(${JSON.stringify(mod.bundleUrl.href)}));`,
        "console.log(await h.run([1, 2, 3, 4, 5], { concurrency: 2 }));",
      ].join("\n"),
    );
    const child = spawnSync(process.execPath, [script], { timeout: 15_000, encoding: "utf8" });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe(String(Local.tree([1, 2, 3, 4, 5])));
    expect(child.status).toBe(0);
  });
});
