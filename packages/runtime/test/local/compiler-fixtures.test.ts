import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeLocalPools } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "./compile-for-test.js";

/** Every compiler fixture that compiles also runs on threads, and equals the direct call. */
const fixturesDir = join(import.meta.dirname, "..", "..", "..", "compiler", "test", "fixtures");
const fixtures = readdirSync(fixturesDir)
  .filter((name) => !name.startsWith("error-") && existsSync(join(fixturesDir, name, "input.ts")))
  .sort();

const work = createWorkDir();
let compiled: Map<string, CompiledModule>;

beforeAll(async () => {
  compiled = await compileForTest(
    work.dir,
    fixtures.map((name) => ({ dir: join(fixturesDir, name), entry: "input.ts", name })),
  );
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

async function settle(f: () => unknown): Promise<{ ok: true; value: unknown } | { ok: false; code: unknown; message: string }> {
  try {
    return { ok: true, value: await f() };
  } catch (error) {
    return { ok: false, code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
}

describe("compiler fixtures run locally", () => {
  it("has fixtures", () => expect(fixtures.length).toBeGreaterThan(10));

  it.each(fixtures)("%s", async (name) => {
    const module = compiled.get(name) as CompiledModule;
    expect(module).toBeDefined();
    const source = (await import(module.source)) as Record<string, unknown>;
    for (const wf of module.manifest.workflows) {
      const cls = source[wf.className] as Record<string, (input?: unknown) => unknown>;
      const input = source.sampleInput;
      const direct = await settle(() => (wf.hasInput ? cls[wf.name]!(structuredClone(input)) : cls[wf.name]!()));
      const handle = module.handle(wf.name);
      const run = await settle(() => (wf.hasInput ? handle.run(structuredClone(input), { concurrency: 2 }) : handle.run(undefined, { concurrency: 2 })));
      if (direct.ok) expect(run, `${name}: ${wf.name}`).toEqual(direct);
      else expect(run.ok, `${name}: ${wf.name} should fail like the direct call (${direct.message})`).toBe(false);
    }
  });
});
