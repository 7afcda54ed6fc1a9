/**
 * Task and workflow options travel in the manifest (written by dag-compile): a local run reads
 * them there and never imports the task bundle in the main thread; manifests of another IR
 * version, and bundles that cannot run their tasks, fail with clear errors.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IR_VERSION, type ModuleManifest } from "@taskloom/sdk/internal";
import { BundleError, ManifestError, TaskTimeoutError, closeLocalPools, createWorkflowHandle } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";

const work = createWorkDir();
let mod: CompiledModule;

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures-options"), entry: "option-tasks.ts", name: "opt" }]);
  mod = compiled.get("opt") as CompiledModule;
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

describe("options from the manifest", () => {
  it("dag-compile writes task and workflow options into the manifest", () => {
    const tasks = Object.values(mod.manifest.tasks);
    expect(tasks.find((t) => t.method === "double")?.options).toEqual({ name: "doubler" });
    expect(tasks.find((t) => t.method === "slow")?.options).toEqual({ timeoutMs: 20 });
    expect(mod.manifest.workflows.find((w) => w.name === "sleepy")?.options).toEqual({ timeoutMs: 5_000 });
    expect(mod.manifest.workflows.find((w) => w.name === "doubled")?.options).toBeUndefined();
  });

  it("a local run honours them without importing the bundle in the main thread", async () => {
    const { result, report } = await mod.handle<number, number>("doubled").run(21, { report: true });
    expect(result).toBe(42);
    expect(report.tasks[0]?.name).toBe("doubler");
    const error = await mod
      .handle<number>("sleepy")
      .run(500)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as TaskTimeoutError).message).toContain("timed out after 20 ms");
  });
});

describe("manifest and bundle errors", () => {
  const withVersion = (version: number): ModuleManifest => ({ ...mod.manifest, version }) as unknown as ModuleManifest;

  it("refuses a manifest of an older or newer IR version, saying which side to update", () => {
    expect(() => createWorkflowHandle(withVersion(1), "doubled", mod.bundleUrl)).toThrow(ManifestError);
    expect(() => createWorkflowHandle(withVersion(1), "doubled", mod.bundleUrl)).toThrow(
      `has IR version 1; this runtime runs versions 2 to ${IR_VERSION}: it was written by an older dag-compile: run dag-compile again`,
    );
    expect(() => createWorkflowHandle(withVersion(IR_VERSION + 1), "doubled", mod.bundleUrl)).toThrow(/newer dag-compile than this @taskloom\/runtime/);
  });

  it("a bundle without the task's function fails the run with TL_BUNDLE, not as a task failure", async () => {
    const [id, info] = Object.entries(mod.manifest.tasks).find(([, t]) => t.method === "double")!;
    const manifest = { ...mod.manifest, tasks: { ...mod.manifest.tasks, [id]: { ...info, method: "gone" } } };
    const error = await createWorkflowHandle(manifest, "doubled", mod.bundleUrl)
      .run(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ code: "TL_BUNDLE", message: expect.stringContaining("has no function Opt.gone; run dag-compile again") });
  });

  it("a bundle that fails to load fails the run with TL_BUNDLE naming it", async () => {
    const missing = new URL("./missing.0000.mjs", mod.bundleUrl);
    const error = await createWorkflowHandle(mod.manifest, "doubled", missing)
      .run(1)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TL_BUNDLE", message: expect.stringContaining(`the task bundle ${missing.href} of `) });
    expect((error as Error).message).toContain("failed to load");
  });
});
