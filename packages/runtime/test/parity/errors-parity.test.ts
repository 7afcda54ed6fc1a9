/**
 * The parity suite, errors: each failure kind gives the same class, code and fields on worker
 * threads (local) and on two real `dag-worker` processes through a real Redis (remote).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  RunAbortedError,
  RunTimeoutError,
  TaskFailedError,
  TaskOutOfMemoryError,
  TaskTimeoutError,
  ValueNotSerializableError,
  closeLocalPools,
  isTaskloomError,
  type RunOptions,
} from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";

const url = `${inject("redisUrl")}/13`;
const work = createWorkDir();
let mod: CompiledModule;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "parity-tasks.ts", name: "parity" }])).get("parity")!;
  workers = await startWorkers(url, 2);
});
afterAll(async () => {
  await stopWorkers(workers);
  await closeLocalPools();
  work.dispose();
});

const modes: [string, RunOptions][] = [
  ["local", {}],
  ["remote", { redis: url }],
];

async function failure(name: string, input: unknown, options: RunOptions): Promise<Error & Record<string, unknown>> {
  try {
    await mod.handle(name).run(input, options);
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error(`expected ${name} to fail`);
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
    cause: cause && { name: cause.name, message: cause.message, code: cause.code, field: cause.field, limits: cause.limits },
  };
}

/** Runs `name` in both modes; `input` and `extra` may be functions, called once per mode (a fresh counter file, a fresh signal). */
async function bothModes(name: string, input: unknown, extra: RunOptions | (() => RunOptions) = {}): Promise<Record<string, Error & Record<string, unknown>>> {
  const out: Record<string, Error & Record<string, unknown>> = {};
  for (const [mode, options] of modes) {
    const value = typeof input === "function" && !(input instanceof WeakMap) ? (input as () => unknown)() : input;
    out[mode] = await failure(name, value, { ...options, ...(typeof extra === "function" ? extra() : extra) });
  }
  expect(shape(out.remote!)).toEqual(shape(out.local!));
  expect(out.local!.worker ?? "local").toBe("local");
  if (out.remote!.instanceId !== undefined) expect(String(out.remote!.worker)).toMatch(/^\S+$/);
  return out;
}

describe("parity: failures are the same errors locally and remotely", () => {
  it("a task that throws: TaskFailedError with the instance, its call site and the original error", async () => {
    const { local, remote } = await bothModes("failing", [1, 2, 3, 4]);
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
      expect(e.cause).toMatchObject({ name: "ValidationError", code: "E_INVALID", field: "x", limits: { min: 0, max: 10 }, message: "x is out of range" });
    }
  });

  it("a task over its timeoutMs: TaskTimeoutError", async () => {
    const { local } = await bothModes("slow", 20_000);
    expect(local).toBeInstanceOf(TaskTimeoutError);
    expect(local).toMatchObject({ code: "TL_TASK_TIMEOUT", timeoutMs: 300 });
  });

  it("a task over its memoryMb: TaskOutOfMemoryError", async () => {
    const { local, remote } = await bothModes("hungry", 512);
    expect(local).toBeInstanceOf(TaskOutOfMemoryError);
    expect(local).toMatchObject({ code: "TL_TASK_OOM", memoryMb: 32 });
    expect(remote!.message).toContain("heap limit of 32 MB (task option memoryMb");
  });

  it("a task that returns a function: TL_VALUE_NOT_SERIALIZABLE naming where and what", async () => {
    const { local } = await bothModes("callback", 1);
    expect(local).toBeInstanceOf(ValueNotSerializableError);
    expect(local!.path).toMatch(/^output of task Parity\.withCallback \(instance n\d+\)\.items\[1\]\.cb$/);
    expect(local!.what).toBe("a function (cb)");
  });

  it("an input holding a function or a symbol fails before anything is submitted", async () => {
    const { local } = await bothModes("echo", [1, () => 2]);
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
    expect(aborted.local).toBeInstanceOf(RunAbortedError);
    expect(aborted.remote).toMatchObject({ code: "TL_RUN_ABORTED" });
    const timedOut = await bothModes("waiting", 5_000, { timeoutMs: 200 });
    expect(timedOut.local).toBeInstanceOf(RunTimeoutError);
  });
});
