import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { CompilerUsageError } from "../../src/errors.js";
import { chainSource, wordcountSource } from "./fixtures.js";
import { createTempProject, type TempProject } from "./temp-project.js";

let project: TempProject | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

describe("compile()", () => {
  it("keeps a 1,000-node workflow's manifest small per node and free of code", async () => {
    project = await createTempProject();
    await project.write({ "chain.ts": chainSource(1000) });
    const result = await compile(["chain.ts"], { cwd: project.dir });
    expect(result.diagnostics).toEqual([]);
    const m = result.modules[0]!;
    expect(m.status).toBe("emitted");
    expect(m.nodes).toBe(1000);
    expect(m.bytesPerNode).toBeLessThan(200);
    const text = await readFile(m.outputs!.manifest, "utf8");
    expect(Buffer.byteLength(text)).toBe(m.manifestBytes);
    expect(text).not.toContain("THE_STEP_BODY");
    expect(await readFile(m.outputs!.bundle, "utf8")).toContain("THE_STEP_BODY");
  });

  it("is deterministic: compiling an unchanged module again changes nothing", async () => {
    project = await createTempProject();
    await project.write({ "wordcount.ts": wordcountSource() });
    const first = await compile(["*.ts"], { cwd: project.dir });
    expect(first.modules[0]!.changed).toHaveLength(3);
    const dag = await readFile(path.join(project.dir, "wordcount.dag.ts"), "utf8");
    const again = await compile(["*.ts"], { cwd: project.dir });
    expect(again.modules.map((m) => [m.source, m.changed])).toEqual([["wordcount.ts", []]]);
    expect(await readFile(path.join(project.dir, "wordcount.dag.ts"), "utf8")).toBe(dag);
  });

  it("uses the nearest package.json as root, or options.rootDir; check writes nothing", async () => {
    project = await createTempProject();
    await project.write({ "pkg/package.json": "{}", "pkg/src/wordcount.ts": wordcountSource() });
    const nearest = await compile(["pkg/src/wordcount.ts"], { cwd: project.dir, check: true });
    expect(nearest.modules[0]!.source).toBe("src/wordcount.ts");
    expect(nearest.modules[0]!.changed).toHaveLength(3);
    expect(existsSync(path.join(project.dir, "pkg/src/.taskloom"))).toBe(false);
    expect(existsSync(path.join(project.dir, "pkg/src/wordcount.dag.ts"))).toBe(false);
    const rooted = await compile(["pkg/src/wordcount.ts"], { cwd: project.dir, rootDir: project.dir });
    const manifest = JSON.parse(await readFile(rooted.modules[0]!.outputs!.manifest, "utf8")) as { source: string; tasks: object };
    expect(manifest.source).toBe("pkg/src/wordcount.ts");
    expect(Object.keys(manifest.tasks)).toContain("pkg/src/wordcount.ts#WordCount.count");
  });

  it("throws a CompilerUsageError naming each pattern that matched nothing", async () => {
    project = await createTempProject();
    const error = await compile(["missing.ts", "none/**/*.ts"], { cwd: project.dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompilerUsageError);
    expect((error as Error).message).toContain('pattern "missing.ts" matched no file');
    expect((error as Error).message).toContain('pattern "none/**/*.ts" matched no file');
  });
});
