/**
 * The remote client's one-file bundle (`dist/client/remote/remote.bundle.mjs`, written by the
 * build): a handle's first remote run in a fresh process loads it instead of its ~40 modules, and
 * the modules the handle had loaded already stay one module each (the same error classes, the
 * same executor registry), so a failed remote run still rejects with the handle's own error class.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
const BUNDLE = join(DIST, "client/remote/remote.bundle.mjs");

describe("the remote client's bundle", () => {
  const url = `${inject("redisUrl")}/12`;
  const work = createWorkDir();
  let mod: CompiledModule;
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "../parity/fixtures"), entry: "parity-tasks.ts", name: "parity" }])).get("parity")!;
    workers = await startWorkers(url, 1);
  });
  afterAll(async () => {
    await stopWorkers(workers);
    work.dispose();
  });

  it("was written by the build, and imports the modules a handle loads from their own files", () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build writes it`).toBe(true);
    const code = readFileSync(BUNDLE, "utf8");
    expect(code).toMatch(/from "\.\.\/executor\.js"/);
    expect(code).toMatch(/from "\.\.\/\.\.\/errors\.js"/);
    // Not copies: the error classes and the registry are defined once, in their modules.
    expect(code).not.toMatch(/class TaskloomError\b/);
    expect(code).not.toMatch(/function registerRemoteExecutor\b/);
    // What only the remote client uses is inside it.
    expect(code).toMatch(/function createRemoteExecutor\b/);
  });

  it("is what a fresh process's handle loads for its remote runs, which succeed and fail as from the modules", async () => {
    // Records every module of the remote client that the process loads.
    const hooks = join(work.dir, "record-hooks.mjs");
    writeFileSync(
      hooks,
      'export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/client/remote/")) process.stderr.write(`loaded ${r.url}\\n`); return r; }\n',
    );
    const register = join(work.dir, "register-hooks.mjs");
    writeFileSync(register, `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const manifest = join(work.dir, "manifest.json");
    writeFileSync(manifest, JSON.stringify(mod.manifest));
    const script = join(work.dir, "fresh-run.mjs");
    writeFileSync(
      script,
      `import { readFileSync } from "node:fs";
import { createWorkflowHandle } from "@taskloom/runtime/handle";
import { TaskFailedError } from ${JSON.stringify(pathToFileURL(join(DIST, "errors.js")).href)};
const manifest = JSON.parse(readFileSync(${JSON.stringify(manifest)}, "utf8"));
const bundleUrl = new URL(${JSON.stringify(mod.bundleUrl.href)});
const options = { redis: ${JSON.stringify(url)} };
const sum = await createWorkflowHandle(manifest, "fanout", bundleUrl).run([1, 2, 3], options);
let failure;
await createWorkflowHandle(manifest, "failing", bundleUrl).run([1, 2, 3, 4], options).catch((e) => (failure = e));
console.log(JSON.stringify({ sum, failedAsTaskFailed: failure instanceof TaskFailedError, code: failure?.code, message: failure?.message }));
process.exit(0);
`,
    );
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", pathToFileURL(register).href, script], {
      cwd: work.dir,
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split("\n").at(-1) as string) as { sum: number; failedAsTaskFailed: boolean; code: string; message: string };
    expect(out.sum).toBe(9);
    expect(out.failedAsTaskFailed).toBe(true);
    expect(out.code).toBe("TL_TASK_FAILED");
    expect(out.message).toMatch(/boom at 3/);
    const loaded = stderr.split("\n").filter((l) => l.startsWith("loaded "));
    expect(loaded.some((l) => l.endsWith("/client/remote/remote.bundle.mjs"))).toBe(true);
    expect(loaded.filter((l) => l.endsWith("/remote-executor.js"))).toEqual([]);
  });
});
