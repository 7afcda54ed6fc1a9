/**
 * Test setup: compiles task modules with the real compiler into a private work directory inside
 * the package (so that `@taskloom/sdk` resolves from the bundle), and creates their handles.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ModuleManifest } from "@taskloom/sdk/internal";
import { createWorkflowHandle, type WorkflowHandle } from "@taskloom/runtime";
// The compiler's package index does not export compile() yet; its built module does.
import { compile } from "../../../compiler/dist/compile.js";

const here = dirname(fileURLToPath(import.meta.url));

/** A compiled copy of a module: its manifest, bundle and handles, and the copied source's path. */
export interface CompiledModule {
  manifest: ModuleManifest;
  bundleUrl: URL;
  /** Path of the copied source, to import it for direct calls. */
  source: string;
  handle<I = unknown, R = unknown>(workflow: string): WorkflowHandle<I, R>;
}

/** A work directory under this test folder, removed by `dispose()`. */
export function createWorkDir(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(here, ".work-"));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A directory to copy and compile: `entry` is the module inside it. */
export interface TestSource {
  /** Directory to copy (with the module's sibling files). */
  dir: string;
  /** The module to compile, relative to `dir`. */
  entry: string;
  /** Name of the copy (a subdirectory of the work directory), and key of the result. */
  name: string;
}

/**
 * Copies each source directory into `workDir` and compiles the entries in one compiler session.
 * Throws with the diagnostics when a module fails. Returns the compiled modules by `name`.
 */
export async function compileForTest(workDir: string, sources: readonly TestSource[]): Promise<Map<string, CompiledModule>> {
  const byFile = new Map<string, string>();
  for (const src of sources) {
    cpSync(src.dir, join(workDir, src.name), { recursive: true });
    byFile.set(join(workDir, src.name, src.entry), src.name);
  }
  const result = await compile([...byFile.keys()], { cwd: workDir });
  const out = new Map<string, CompiledModule>();
  for (const m of result.modules) {
    if (m.status !== "emitted" || !m.outputs) {
      throw new Error(`compile failed for ${m.file}: ${JSON.stringify(m.error ?? m.diagnostics)}`);
    }
    const manifest = JSON.parse(readFileSync(m.outputs.manifest, "utf8")) as ModuleManifest;
    const bundleUrl = pathToFileURL(m.outputs.bundle);
    out.set(byFile.get(m.file) ?? m.file, {
      manifest,
      bundleUrl,
      source: m.file,
      handle: <I, R>(workflow: string) => createWorkflowHandle<I, R>(manifest, workflow, bundleUrl),
    });
  }
  return out;
}
