import { spawn, type ChildProcess } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HELPER_SOURCE, wordcountSource } from "./fixtures.js";
import { CLI } from "./run-cli.js";
import { createTempProject, type TempProject } from "./temp-project.js";

let project: TempProject | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
    await new Promise((r) => child!.once("close", r));
  }
  child = undefined;
  await project?.remove();
  project = undefined;
});

/** Resolves when `read()` satisfies `test`, polling every 20 ms; fails after `ms`. */
async function waitFor(read: () => string, test: (s: string) => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test(read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function bundles(dir: string): Promise<string[]> {
  return (await readdir(path.join(dir, ".taskloom"))).filter((n) => n.endsWith(".mjs"));
}

describe("dag-compile --watch", () => {
  it("recompiles a module when its file changes, and only the modules that changed", async () => {
    project = await createTempProject();
    await project.write({ "wordcount.ts": wordcountSource("v1"), "helper.ts": HELPER_SOURCE });
    let out = "";
    let err = "";
    child = spawn(process.execPath, [CLI, "*.ts", "--watch"], { cwd: project.dir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const count = (re: RegExp) => (out.match(re) ?? []).length;
    await waitFor(
      () => out,
      (s) => s.includes("for changes..."),
      "the first build",
    );
    expect(out).toMatch(/^wordcount\.ts: .*wrote 3 files$/m);
    const [first] = await bundles(project.dir);

    // The workflow gains a node: the analysis must see the new text (the Project re-read the file).
    await project.write({ "wordcount.ts": wordcountSource("v2", true) });
    await waitFor(
      () => out,
      () => count(/^wordcount\.ts: .*wrote 3 files$/gm) === 2,
      "the rebuild after an edit",
    );
    expect(out).toMatch(/^wordcount\.ts: 1 workflow \(wordcount\), 5 nodes, .*wrote 3 files$/m);
    const after = await bundles(project.dir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);

    // A module that does not depend on wordcount.ts is recompiled alone.
    await project.write({ "helper.ts": `${HELPER_SOURCE}// touched\n` });
    await waitFor(
      () => out,
      () => count(/^helper\.ts: skipped/gm) === 2,
      "the helper rebuild",
    );
    expect(count(/^wordcount\.ts: /gm)).toBe(2);

    // A new module matching the pattern is picked up.
    await project.write({ "second.ts": wordcountSource("v3").replace(/WordCount/g, "Second") });
    await waitFor(
      () => out,
      (s) => /^second\.ts: 1 workflow .*wrote 3 files$/m.test(s),
      "the new module",
    );

    child.kill("SIGTERM");
    const code = await new Promise((r) => child!.once("close", r));
    expect(code).toBe(0);
    expect(err).toBe("");
  });
});
