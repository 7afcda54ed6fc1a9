import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { getTaskOptions } from "@taskloom/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { bundleTasks } from "../../src/emit/bundle-tasks.js";
import { emitModule } from "../../src/emit/emit-module.js";
import { BundleError } from "../../src/errors.js";
import { chainWorkflow, irTask } from "./hand-ir.js";
import { createTempProject, type TempProject } from "./temp-project.js";

const run = promisify(execFile);

const STEP_SOURCE = (marker: string) => `import { task, workflow } from "@taskloom/sdk";
export class Chain {
  @task({ retries: 3 })
  static step(x: number): number {
    return x + "${marker}".length;
  }
  @workflow()
  static chain(x: number) {
    return Chain.step(x);
  }
}
`;

let project: TempProject | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

describe("task bundle", () => {
  it("is content-hashed: same source gives the same bytes and hash, an edit a new one", async () => {
    project = await createTempProject();
    await project.write({ "chain.ts": STEP_SOURCE("abc") });
    const tasks = Object.fromEntries([irTask(project.dir, "chain.ts", "Chain", "step")]);
    const a = await bundleTasks({ tasks, rootDir: project.dir });
    const b = await bundleTasks({ tasks, rootDir: project.dir });
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(b.hash).toBe(a.hash);
    expect(Buffer.from(b.code).equals(Buffer.from(a.code))).toBe(true);
    await project.write({ "chain.ts": STEP_SOURCE("abcd") });
    const c = await bundleTasks({ tasks, rootDir: project.dir });
    expect(c.hash).not.toBe(a.hash);
  });

  it("keeps one bundle per stem, skips rewriting unchanged outputs and removes older bundles", async () => {
    project = await createTempProject();
    const [source] = await project.write({ "chain.ts": STEP_SOURCE("abc"), "other.ts": STEP_SOURCE("zz") });
    const tasks = Object.fromEntries([irTask(project.dir, "chain.ts", "Chain", "step")]);
    const input = {
      sourceFile: source!,
      rootDir: project.dir,
      source: "chain.ts",
      tasks,
      workflows: [chainWorkflow("chain.ts", "Chain", "chain", Object.keys(tasks)[0]!, 1)],
    };
    const first = await emitModule(input, { write: true });
    expect(first.changed.sort()).toEqual([first.outputs.bundle, first.outputs.manifest, first.outputs.dagModule].sort());
    const mtimes = await Promise.all(first.changed.map(async (f) => (await stat(f)).mtimeMs));
    const again = await emitModule(input, { write: true });
    expect(again.changed).toEqual([]);
    expect(await Promise.all(first.changed.map(async (f) => (await stat(f)).mtimeMs))).toEqual(mtimes);
    // A bundle of another module in the same directory must survive.
    const otherTasks = Object.fromEntries([irTask(project.dir, "other.ts", "Chain", "step")]);
    const other = await emitModule({ ...input, sourceFile: path.join(project.dir, "other.ts"), source: "other.ts", tasks: otherTasks }, { write: true });
    await project.write({ "chain.ts": STEP_SOURCE("abcd") });
    const edited = await emitModule(input, { write: true });
    expect(edited.removed).toEqual([path.basename(first.outputs.bundle)]);
    const left = (await readdir(path.join(project.dir, ".taskloom"))).sort();
    expect(left).toEqual([path.basename(edited.outputs.bundle), path.basename(other.outputs.bundle), "chain.manifest.json", "other.manifest.json"].sort());
    expect(await readFile(edited.outputs.dagModule, "utf8")).toContain(path.basename(edited.outputs.bundle));
  });

  it("bundles npm dependencies: the bundle runs from a directory without node_modules", async () => {
    project = await createTempProject(["superjson"]);
    const [_source] = await project.write({
      "codec.ts": `import { task, workflow } from "@taskloom/sdk";
import superjson from "superjson";
export class Codec {
  @task({ retries: 2, timeoutMs: 5000 })
  static roundTrip(value: { when: string }): string {
    const back = superjson.parse<{ when: Date }>(superjson.stringify({ when: new Date(value.when) }));
    return back.when instanceof Date ? "date:" + back.when.toISOString() : "lost";
  }
  @workflow()
  static wf(value: { when: string }) { return Codec.roundTrip(value); }
}
`,
    });
    const tasks = Object.fromEntries([irTask(project.dir, "codec.ts", "Codec", "roundTrip")]);
    const bundle = await bundleTasks({ tasks, rootDir: project.dir });
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), "taskloom-alone-"));
    try {
      const file = path.join(elsewhere, "codec.mjs");
      await writeFile(file, bundle.code);
      const script =
        `const m = await import(${JSON.stringify(pathToFileURL(file).href)});` +
        `console.log(JSON.stringify([m.Codec.roundTrip({ when: "2024-01-02T03:04:05.000Z" }),` +
        ` Reflect.getOwnMetadata("taskloom:task", m.Codec, "roundTrip")]));`;
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: elsewhere });
      expect(JSON.parse(stdout)).toEqual(["date:2024-01-02T03:04:05.000Z", { retries: 2, timeoutMs: 5000 }]);
      // The SDK of the importing process reads the @task options the bundle's decorators stored.
      const copy = path.join(elsewhere, "copy.mjs");
      await copyFile(file, copy);
      const mod = (await import(/* @vite-ignore */ pathToFileURL(copy).href)) as { Codec: object };
      expect(getTaskOptions(mod.Codec, "roundTrip")).toEqual({ retries: 2, timeoutMs: 5000 });
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("exports the inline steps' generated functions with their locations; the manifest lists them with their JavaScript", async () => {
    project = await createTempProject();
    const [source] = await project.write({ "chain.ts": STEP_SOURCE("abc") });
    const tasks = Object.fromEntries([irTask(project.dir, "chain.ts", "Chain", "step")]);
    const loc = { file: "chain.ts", line: 9, column: 12 };
    const inline = { "chain.ts#Chain.chain$1": { code: "($0: number, $1: { k: string }) => ($0 * 2 + $1.k.length)", loc } };
    const bundle = await bundleTasks({ tasks, inline, rootDir: project.dir });
    const file = path.join(project.dir, "out.mjs");
    await writeFile(file, bundle.code);
    const mod = (await import(pathToFileURL(file).href)) as { __taskloom_inline: Record<string, { loc: string; run: (...a: unknown[]) => unknown }> };
    const fn = mod.__taskloom_inline["chain.ts#Chain.chain$1"]!;
    expect(fn.loc).toBe("chain.ts:9:12");
    expect(fn.run(20, { k: "abc" })).toBe(43);
    const emitted = await emitModule(
      {
        sourceFile: source!,
        rootDir: project.dir,
        source: "chain.ts",
        tasks,
        inline,
        workflows: [chainWorkflow("chain.ts", "Chain", "chain", Object.keys(tasks)[0]!, 1)],
      },
      { write: false },
    );
    // The manifest carries the function's JavaScript (types stripped), for main threads.
    expect(emitted.manifest.inline).toEqual({ "chain.ts#Chain.chain$1": { loc, js: "(($0, $1) => $0 * 2 + $1.k.length)" } });
  });

  it("reports an unresolvable import as a BundleError naming the module", async () => {
    project = await createTempProject();
    await project.write({ "bad.ts": `import { nope } from "no-such-package-xyz";\nexport class Bad { static t() { return nope; } }\n` });
    const tasks = Object.fromEntries([irTask(project.dir, "bad.ts", "Bad", "t")]);
    const error = await bundleTasks({ tasks, rootDir: project.dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).code).toBe("TLC_BUNDLE");
    expect((error as Error).message).toMatch(/no-such-package-xyz/);
    expect((error as Error).message).toMatch(/bad\.ts/);
  });
});

describe("manifest", () => {
  it("refers to tasks by id, never carries code, and stays small per node for 1,000 nodes", async () => {
    project = await createTempProject();
    const [source] = await project.write({ "chain.ts": STEP_SOURCE("UNIQUE_TASK_BODY_MARKER") });
    const tasks = Object.fromEntries([irTask(project.dir, "chain.ts", "Chain", "step")]);
    const taskId = Object.keys(tasks)[0]!;
    const input = {
      sourceFile: source!,
      rootDir: project.dir,
      source: "chain.ts",
      tasks,
      workflows: [chainWorkflow("chain.ts", "Chain", "chain", taskId, 1000)],
    };
    const result = await emitModule(input, { write: true });
    const text = await readFile(result.outputs.manifest, "utf8");
    expect(result.nodes).toBe(1000);
    expect(result.manifestBytes).toBe(Buffer.byteLength(text));
    expect(text).not.toContain("UNIQUE_TASK_BODY_MARKER");
    expect(text).not.toMatch(/return |=>|function/);
    const manifest = JSON.parse(text) as { tasks: Record<string, unknown>; bundle: { file: string; bytes: number } };
    expect(Object.keys(manifest.tasks)).toEqual([taskId]);
    expect(manifest.bundle.file).toBe(path.basename(result.outputs.bundle));
    expect(manifest.bundle.bytes).toBe((await stat(result.outputs.bundle)).size);
    expect(result.bytesPerNode).toBeLessThan(200);
  });
});
