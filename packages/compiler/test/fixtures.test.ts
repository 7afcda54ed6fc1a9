/**
 * Golden fixtures of the analysis: every `fixtures/<case>/input.ts` is analysed and compared with
 * `expected.graph.json` (the ModuleAnalysis without diagnostics, paths relative to the case) and
 * `expected.diagnostics.txt` (formatted diagnostics). `UPDATE_GOLDEN=1` rewrites both files.
 * Cases that compile are also run directly with their `sampleInput`, so they stay real workflows
 * (those listed in a case's `throwingWorkflows` must throw).
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget } from "ts-morph";
import { describe, expect, it } from "vitest";
import { analyzeModule } from "../src/analysis/analyze-module.js";
import { formatDiagnostics } from "../src/diagnostics/diagnostic.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const project = new Project({
  compilerOptions: { module: ModuleKind.ESNext, moduleResolution: ModuleResolutionKind.Bundler, target: ScriptTarget.ES2022 },
  skipAddingFilesFromTsConfig: true,
});

function analyzeCase(name: string) {
  const dir = path.join(FIXTURES, name);
  const analysis = analyzeModule(project.addSourceFileAtPath(path.join(dir, "input.ts")), { rootDir: dir });
  const tasks = Object.fromEntries(Object.entries(analysis.tasks).map(([id, t]) => [id, { ...t, sourceFile: path.relative(dir, t.sourceFile) }]));
  const inline = Object.keys(analysis.inline).length > 0 ? { inline: analysis.inline } : {};
  const graph = `${JSON.stringify({ source: analysis.source, workflows: analysis.workflows, tasks, ...inline }, null, 2)}\n`;
  const text = analysis.diagnostics.length === 0 ? "" : `${formatDiagnostics(analysis.diagnostics)}\n`;
  return { dir, analysis, graph, text };
}

function golden(file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    writeFileSync(file, actual);
    if (!UPDATE) throw new Error(`${file} did not exist; it was written: review it and run again`);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("analysis golden fixtures", () => {
  it("has fixtures", () => {
    expect(cases.length).toBeGreaterThan(30);
  });

  for (const name of cases) {
    it(name, async () => {
      const { dir, analysis, graph, text } = analyzeCase(name);
      golden(path.join(dir, "expected.graph.json"), graph);
      golden(path.join(dir, "expected.diagnostics.txt"), text);
      const expectsErrors = name.startsWith("error-");
      expect(analysis.diagnostics.length > 0, "error-* cases and only those report diagnostics").toBe(expectsErrors);
      if (expectsErrors) return;
      const mod = (await import(pathToFileURL(path.join(dir, "input.ts")).href)) as Record<string, unknown>;
      for (const wf of analysis.workflows) {
        const cls = mod[wf.className] as Record<string, (input?: unknown) => unknown>;
        if (wf.hasInput) expect(mod, `${name} must export sampleInput`).toHaveProperty("sampleInput");
        const direct = cls[wf.name];
        expect(typeof direct).toBe("function");
        const call = async () => (wf.hasInput ? direct?.call(cls, mod.sampleInput) : direct?.call(cls));
        // A fixture may name workflows whose direct call throws with its sample input (`throwingWorkflows`).
        if (((mod.throwingWorkflows as string[] | undefined) ?? []).includes(wf.name)) await expect(call()).rejects.toThrow();
        else await call();
      }
    });
  }
});
