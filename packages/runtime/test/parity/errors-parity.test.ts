/**
 * The parity suite, errors: each failure kind gives the same class, code and fields on worker
 * threads (local) and on two real `dag-worker` processes through a real Redis (remote).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  RunAbortedError,
  type RunEvent,
  RunTimeoutError,
  TaskFailedError,
  TaskOutOfMemoryError,
  TaskTimeoutError,
  ValueNotSerializableError,
  closeLocalPools,
  isTaskloomError,
  type RunOptions,
} from "@taskloom/runtime";
import { Redis } from "ioredis";
import { counts, shapeOf } from "./parity-helpers.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";

const url = `${inject("redisUrl")}/13`;
const work = createWorkDir();
let mod: CompiledModule;
let workers: WorkerProcess[] = [];
let redis: Redis;

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "parity-tasks.ts", name: "parity" }])).get("parity")!;
  workers = await startWorkers(url, 2);
  redis = new Redis(url);
});
afterAll(async () => {
  redis.disconnect();
  await stopWorkers(workers);
  await closeLocalPools();
  work.dispose();
});

const modes: [string, RunOptions][] = [
  ["local", {}],
  ["remote", { redis: url }],
];

interface Failure {
  error: Error & Record<string, unknown>;
  events: RunEvent[];
}

async function failure(name: string, input: unknown, options: RunOptions): Promise<Failure> {
  const events: RunEvent[] = [];
  try {
    await mod.handle(name).run(input, { ...options, onEvent: (e) => events.push(e) });
  } catch (error) {
    return { error: error as Error & Record<string, unknown>, events };
  }
  throw new Error(`expected ${name} to fail`);
}

/**
 * The shape of a failed run's partial report: its fields less what only a remote run reports (its
 * optimizations) and the executor's name; the failed instance's entry; a finished instance's entry
 * and a worker's cost entry where both modes have one (a remote run reports the tasks whose metrics
 * had arrived when it failed).
 */
function reportShapes(local: Record<string, unknown>, remote: Record<string, unknown>): [unknown, unknown] {
  const one = (report: Record<string, unknown>, other: Record<string, unknown>) => {
    const {
      optimizations: _o,
      executor: _e,
      tasks,
      cost,
      ...core
    } = report as { tasks: { status: string }[]; cost: { workers: unknown[] } } & Record<string, unknown>;
    const otherTasks = (other as { tasks: { status: string }[] }).tasks;
    const first = (status: string) => tasks.find((t) => t.status === status);
    const both = (status: string) => first(status) !== undefined && otherTasks.some((t) => t.status === status);
    return {
      ...(shapeOf(core) as object),
      failedTask: shapeOf(first("failed")),
      // cpuFraction is `number | undefined`: a local run measures it only with `report: true` (it
      // costs), a remote worker always; without the option either is a valid shape.
      finishedTask: both("finished") ? shapeOf({ ...first("finished"), cpuFraction: "number | undefined" }) : "not in both",
      cost: shapeOf({ ...cost, workers: (other as { cost: { workers: unknown[] } }).cost.workers.length > 0 ? cost.workers : [] }),
    };
  };
  return [one(local, remote), one(remote, local)];
}

/** The fields a failure must have alike in both modes (where it ran aside). */
function shape(error: Error & Record<string, unknown>): Record<string, unknown> {
  const cause = error.cause as (Error & Record<string, unknown>) | undefined;
  return {
    class: error.constructor.name,
    name: error.name,
    code: error.code,
    marker: isTaskloomError(error),
    ...Object.fromEntries(
      ["instanceId", "task", "taskName", "loc", "attempts", "originalName", "originalMessage", "timeoutMs", "memoryMb", "path", "what"].map((k) => [
        k,
        error[k],
      ]),
    ),
    cause: cause && {
      class: cause.constructor.name,
      name: cause.name,
      message: cause.message,
      code: cause.code,
      field: cause.field,
      limits: cause.limits,
      checkedAt: cause.checkedAt,
      seen: cause.seen,
      budget: cause.budget,
    },
  };
}

/**
 * Runs `name` in both modes and checks that they fail alike: the same error (class, code, fields),
 * the same task events (types and counts; with `events: "failed"` only the failed events, for a
 * fan-out whose other instances may or may not finish first), the same partial report shape.
 * `input` and `extra` may be functions, called once per mode (a fresh counter file, a fresh signal).
 */
async function bothModes(
  name: string,
  input: unknown,
  extra: RunOptions | (() => RunOptions) = {},
  compare: { events?: "all" | "failed" | "none" } = {},
): Promise<Record<string, Error & Record<string, unknown>>> {
  const out: Record<string, Error & Record<string, unknown>> = {};
  const events: Record<string, RunEvent[]> = {};
  for (const [mode, options] of modes) {
    const value = typeof input === "function" && !(input instanceof WeakMap) ? (input as () => unknown)() : input;
    const failed = await failure(name, value, { ...options, ...(typeof extra === "function" ? extra() : extra) });
    out[mode] = failed.error;
    events[mode] = failed.events;
  }
  expect(shape(out.remote!)).toEqual(shape(out.local!));
  expect(out.local!.worker ?? "local").toBe("local");
  if (out.remote!.instanceId !== undefined) {
    expect(out.remote!.worker).toEqual(expect.stringMatching(/^\S+$/));
    expect(out.remote!.worker).not.toBe("local");
    expect(typeof out.remote!.thread).toBe(typeof out.local!.thread);
  }
  const which = compare.events ?? "all";
  if (which !== "none") {
    const kept = (list: RunEvent[]) => (which === "failed" ? list.filter((e) => e.type === "failed") : list);
    expect(counts(kept(events.remote!))).toEqual(counts(kept(events.local!)));
  }
  // A run that started carries its partial report on its error (an input that cannot cross stops it before).
  expect(out.remote!.report === undefined, "a report on the remote error as on the local one").toBe(out.local!.report === undefined);
  if (out.local!.report === undefined) return out;
  const [localShape, remoteShape] = reportShapes(out.local!.report as Record<string, unknown>, out.remote!.report as Record<string, unknown>);
  expect(remoteShape).toEqual(localShape);
  return out;
}

describe("parity: failures are the same errors locally and remotely", () => {
  it("a task that throws: TaskFailedError with the instance, its call site and the original error", async () => {
    const { local, remote } = await bothModes("failing", [1, 2, 3, 4], {}, { events: "failed" });
    for (const e of [local!, remote!]) {
      expect(e).toBeInstanceOf(TaskFailedError);
      expect(e).toMatchObject({ code: "TL_TASK_FAILED", originalName: "TypeError", originalMessage: "boom at 3", taskName: "Parity.boom", attempts: 1 });
      expect(String(e.instanceId)).toMatch(/^n\d+\[2\]$/);
      expect(e.originalStack).toContain("TypeError: boom at 3");
      expect(e.loc).toMatchObject({ file: expect.stringContaining("parity-tasks.ts"), line: expect.any(Number) });
    }
    expect(remote!.message).toContain(`on worker ${String(remote!.worker)}`);
    expect(typeof remote!.thread).toBe("number");
  });

  it("a user's error subclass keeps its name, code and own fields", async () => {
    const { local, remote } = await bothModes("invalid", 11);
    for (const e of [local!, remote!]) {
      expect(e.originalName).toBe("ValidationError");
      expect(e).toBeInstanceOf(TaskFailedError);
      expect(e.cause).toMatchObject({ name: "ValidationError", code: "E_INVALID", field: "x", limits: { min: 0, max: 10 }, message: "x is out of range" });
      // Fields of types JSON alone loses arrive as themselves, locally and remotely.
      const cause = e.cause as Record<string, unknown>;
      expect(cause.checkedAt).toEqual(new Date(0));
      expect(cause.seen).toEqual(new Map([["x", new Set([11])]]));
      expect(cause.budget).toBe(2n ** 64n);
      expect(e.originalStack).toContain("ValidationError: x is out of range");
    }
  });

  it("a task over its timeoutMs: TaskTimeoutError", async () => {
    const { local, remote } = await bothModes("slow", 20_000);
    for (const e of [local!, remote!]) {
      expect(e).toBeInstanceOf(TaskTimeoutError);
      expect(e).toBeInstanceOf(TaskFailedError);
      expect(e).toMatchObject({ code: "TL_TASK_TIMEOUT", timeoutMs: 300, taskName: "Parity.spin", attempts: 1 });
    }
  });

  it("a task over its memoryMb: TaskOutOfMemoryError", async () => {
    const { local, remote } = await bothModes("hungry", 512);
    for (const e of [local!, remote!]) {
      expect(e).toBeInstanceOf(TaskOutOfMemoryError);
      expect(e).toMatchObject({ code: "TL_TASK_OOM", memoryMb: 32, taskName: "Parity.hog" });
      expect(e.message).toContain("heap limit of 32 MB (task option memoryMb");
    }
    expect(remote!.message).toContain("heap limit of 32 MB (task option memoryMb");
  });

  it("a task that returns a function: TL_VALUE_NOT_SERIALIZABLE naming where and what", async () => {
    const { local, remote } = await bothModes("callback", 1);
    for (const e of [local!, remote!]) {
      expect(e).toBeInstanceOf(ValueNotSerializableError);
      expect(e.code).toBe("TL_VALUE_NOT_SERIALIZABLE");
      expect(e.path).toMatch(/^output of task Parity\.withCallback \(instance n\d+\)\.items\[1\]\.cb$/);
      expect(e.what).toBe("a function (cb)");
      expect(e.message).toContain(String(e.path));
    }
  });

  it("an input holding a function or a symbol fails before anything is submitted", async () => {
    const runKeys = async () => (await redis.keys("*")).filter((k) => k.includes("{")).sort();
    const before = await runKeys();
    const { local, remote } = await bothModes("echo", [1, () => 2]);
    for (const e of [local!, remote!]) {
      expect(e).toBeInstanceOf(ValueNotSerializableError);
      expect(e.code).toBe("TL_VALUE_NOT_SERIALIZABLE");
      expect(e.message).toContain("input[1]");
    }
    expect(local).toBeInstanceOf(ValueNotSerializableError);
    expect(local).toMatchObject({ path: "input[1]", what: "a function" });
    const again = await bothModes("echo", [1, { deep: [Symbol("s")] }]);
    expect(again.local).toMatchObject({ path: "input[1].deep[0]", what: "a symbol (Symbol(s))" });
    class Point {
      constructor(readonly x: number) {}
      norm(): number {
        return Math.abs(this.x);
      }
    }
    const third = await bothModes("echo", [new Point(1)]);
    expect(third.local).toMatchObject({ path: "input[0]", what: "an instance of class Point with methods (norm)" });
    expect((await bothModes("echo", new WeakMap())).local).toMatchObject({ path: "input", what: "a WeakMap" });
    // No task event, and not one key of a run in Redis: nothing was submitted.
    expect(await runKeys()).toEqual(before);
  });

  it("retries used up: attempts counted alike", async () => {
    const counters = { local: 0, remote: 0 };
    const { local } = await bothModes("retried", () => {
      const counter = join(work.dir, `flaky-${counters.local++}-${counters.remote}`);
      writeFileSync(counter, "");
      return { counter, failures: 5 };
    });
    expect(local).toMatchObject({ attempts: 3, originalMessage: "flaky failure 3" });
  });

  it("an aborted run and a run over its timeoutMs: RunAbortedError and RunTimeoutError", async () => {
    const aborted = await bothModes("waiting", 5_000, () => ({ signal: AbortSignal.timeout(200) }));
    const timedOut = await bothModes("waiting", 5_000, { timeoutMs: 200 });
    for (const mode of ["local", "remote"]) {
      expect(aborted[mode]).toBeInstanceOf(RunAbortedError);
      expect(aborted[mode]).toMatchObject({ code: "TL_RUN_ABORTED" });
      expect(timedOut[mode]).toBeInstanceOf(RunTimeoutError);
      expect(timedOut[mode]).toMatchObject({ code: "TL_RUN_TIMEOUT", timeoutMs: 200 });
    }
  });
});
