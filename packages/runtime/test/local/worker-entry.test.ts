import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeLocalPools } from "@taskloom/runtime";
// The thread entry only exists as built JS (piscina loads it from dist).
import { leasePool, releasePool } from "../../dist/threads/pool-set.js";
import { METRICS_STRIDE, TaskMetric, type BatchReply, type BatchRequest } from "../../dist/protocol/thread-messages.js";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";

const work = createWorkDir();
let mod: CompiledModule;

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "local-tasks.ts", name: "local" }]);
  mod = compiled.get("local") as CompiledModule;
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

const ref = (node: string) => ({ kind: "node" as const, node });
const args = (...nodes: string[]) => ({ kind: "array" as const, items: nodes.map((n) => ({ value: ref(n) })) });

describe("worker thread entry", () => {
  // The remote runtime sends this form (instance ids, values by key, nothing packed).
  it("runs a plain batch whose items read values and earlier items by id", async () => {
    const shared = leasePool(1, undefined);
    try {
      const request: BatchRequest = {
        type: "batch",
        bundle: mod.bundleUrl.href,
        items: [
          { id: "a", exportName: "Local", method: "inc", args: args("$x"), keep: false },
          { id: "b", exportName: "Local", method: "add", args: args("a", "$y"), keep: true },
          { id: "c", exportName: "Local", method: "boom", args: args("b"), keep: true },
        ],
        values: { $x: 1, $y: 1 },
        measureBytes: true,
        maxValueBytes: 1 << 30,
        cursor: new Int32Array(new SharedArrayBuffer(4)),
      };
      const reply = (await shared.pool.run(request)) as BatchReply;
      expect(reply.completed).toBe(2);
      expect(reply.outputs.slice(0, 2)).toEqual([2, 3]);
      expect(reply.failure?.message).toBe("boom at 3");
      expect(reply.metrics.length).toBe(3 * METRICS_STRIDE);
      const b = METRICS_STRIDE;
      expect(reply.metrics[b + TaskMetric.inputBytes]).toBeGreaterThan(0);
      // b reads a's output, made on this thread in this batch.
      expect(reply.metrics[b + TaskMetric.threadBytes]).toBe(reply.metrics[b + TaskMetric.inputBytes]! - 8);
      expect(reply.metrics[TaskMetric.threadBytes]).toBe(0);
      expect(reply.metrics[b + TaskMetric.cpu]).toBeGreaterThan(0.5);
    } finally {
      await releasePool(shared, false);
    }
  });
});
