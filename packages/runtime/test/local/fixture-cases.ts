/**
 * The compiler's golden fixtures that compile, as runtime test cases: each workflow runs with the
 * fixture's `sampleInput` and must equal the direct call (or fail when the direct call fails).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { RunOptions } from "@taskloom/runtime";
import type { CompiledModule, TestSource } from "./compile-for-test.js";

const fixturesDir = join(import.meta.dirname, "..", "..", "..", "compiler", "test", "fixtures");

/** Names of the fixtures that compile (not `error-*`), sorted. */
export const compilingFixtures: string[] = readdirSync(fixturesDir)
  .filter((name) => !name.startsWith("error-") && existsSync(join(fixturesDir, name, "input.ts")))
  .sort();

/** The fixtures as sources for `compileForTest`. */
export function fixtureSources(names: readonly string[] = compilingFixtures): TestSource[] {
  return names.map((name) => ({ dir: join(fixturesDir, name), entry: "input.ts", name }));
}

type Settled = { ok: true; value: unknown } | { ok: false; code: unknown; message: string };

async function settle(f: () => unknown): Promise<Settled> {
  try {
    return { ok: true, value: await f() };
  } catch (error) {
    return { ok: false, code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
}

/** Runs every workflow of a compiled fixture with `options` and checks it against the direct call. */
export async function expectRunsLikeDirectCall(name: string, module: CompiledModule, options: RunOptions): Promise<void> {
  const source = (await import(module.source)) as Record<string, unknown>;
  for (const wf of module.manifest.workflows) {
    const cls = source[wf.className] as Record<string, (input?: unknown) => unknown>;
    const input = source.sampleInput;
    const direct = await settle(() => (wf.hasInput ? cls[wf.name]!(structuredClone(input)) : cls[wf.name]!()));
    const handle = module.handle(wf.name);
    const run = await settle(() => (wf.hasInput ? handle.run(structuredClone(input), options) : handle.run(undefined, options)));
    if (direct.ok) expect(run, `${name}: ${wf.name}`).toEqual(direct);
    else expect(run.ok, `${name}: ${wf.name} should fail like the direct call (${direct.message})`).toBe(false);
  }
}
