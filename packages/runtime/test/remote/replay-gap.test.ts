/**
 * The replay gap: a fan-out whose callback ignores its element (`xs.map(() => f(c))`) creates
 * instances that never read their producer, so a redelivered producer (its worker SIGKILLed while
 * it ran one of them) must re-announce every instance its expansion created, or the run stalls.
 * Real `dag-worker` processes, a real SIGKILL.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures-hostile", import.meta.url));
const PREFIX = "rg";

describe("replay gap: a redelivered fan-out producer re-announces what its expansion created", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "replay-tasks.ts", name: "replay" }])).get("replay")!;
  });
  afterAll(async () => {
    await stopWorkers(workers);
    work.dispose();
  });

  /** Starts two workers, runs `workflow`, SIGKILLs the worker that ran the producer once it ran a created instance; returns the result. */
  async function killProducerWorker(workflow: string, n: number): Promise<{ result: unknown; killedAlive: boolean; other: string }> {
    const pair = await startWorkers(url, 2, ["--prefix", PREFIX, "--group", `rg-${workflow}`, "--lease-ms", "1000"]);
    workers.push(...pair);
    const range = mod.manifest.workflows.find((w) => w.name === workflow)!.nodes.find((x) => x.kind === "task" && x.task.endsWith("Replay.range"))!;
    const run = runRemoteOutcome(mod, workflow, n, url, { prefix: PREFIX, plan: { defaultGroup: `rg-${workflow}` } }, { timeoutMs: 30_000 });
    const settled = run.then(
      (o) => ({ ok: true as const, result: o.result }),
      (e: unknown) => ({ ok: false as const, error: e as Error }),
    );
    // The worker whose log says the producer ended, then started a batch of the created instances.
    let victim: WorkerProcess | undefined;
    for (let i = 0; i < 1000 && !victim; i++) {
      victim = pair.find((w) => new RegExp(`task ${range.id} end\\n(?:.*\\n)*.*start`).test(w.output()));
      if (!victim) await new Promise((r) => setTimeout(r, 5));
    }
    expect(victim).toBeDefined();
    victim!.child.kill("SIGKILL");
    const outcome = await settled;
    if (!outcome.ok) throw outcome.error;
    const other = pair.find((w) => w !== victim)!;
    return { result: outcome.result, killedAlive: victim!.child.exitCode === null && victim!.child.signalCode === null, other: other.output() };
  }

  it("xs.map(() => f(c)) completes after the worker running the producer's continuation is SIGKILLed", async () => {
    const { result, other } = await killProducerWorker("ignoring", 6);
    expect(result).toBe(6 * 7);
    expect(other).toMatch(/reclaimed after a lease/);
  });

  it("xs.map(() => f(2)) (created instances with no inputs at all) completes too", async () => {
    const { result } = await killProducerWorker("constant", 6);
    expect(result).toBe(12);
  });
});
