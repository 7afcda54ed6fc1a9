/**
 * Signed bundles on real `dag-worker` processes: a worker with a signing key (`--signing-key-file`,
 * or `TASKLOOM_SIGNING_KEY`) runs a run whose bundle and manifest the client signed with the same
 * key (the `signingKey` run option, or the same env), and refuses one unsigned or signed with
 * another key: `TL_BUNDLE_SIGNATURE`, a logged line, a failed run, and the worker serves on. The
 * key appears in no log line, error or report.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures-hostile", import.meta.url));
const PREFIX = "sg";
const KEY = `key-${randomBytes(12).toString("hex")}`;
const OTHER = `key-${randomBytes(12).toString("hex")}`;

describe("signed bundles", () => {
  const url = inject("redisUrl");
  const work = createWorkDir();
  let mod: CompiledModule;
  let fileKeyed: WorkerProcess;
  let envKeyed: WorkerProcess;
  let keyless: WorkerProcess;

  const run = (group: string, x: number, signingKey?: string) =>
    runRemoteOutcome(mod, "big", x, url, { prefix: PREFIX, plan: { defaultGroup: group } }, signingKey ? { signingKey } : {});
  const refused = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("the run succeeded");
      },
      (e: unknown) => e as Error & { code?: string },
    );

  beforeAll(async () => {
    mod = (await compileForTest(work.dir, [{ dir: fixtures, entry: "hostile-tasks.ts", name: "signed" }])).get("signed")!;
    const keyFile = join(work.dir, "signing.key");
    writeFileSync(keyFile, `${KEY}\n`);
    [fileKeyed, envKeyed, keyless] = await Promise.all([
      startWorkers(url, 1, ["--prefix", PREFIX, "--group", "sg-file", "--signing-key-file", keyFile]).then((w) => w[0]!),
      startWorkers(url, 1, ["--prefix", PREFIX, "--group", "sg-env"], { TASKLOOM_SIGNING_KEY: KEY }).then((w) => w[0]!),
      startWorkers(url, 1, ["--prefix", PREFIX, "--group", "sg-none"]).then((w) => w[0]!),
    ]);
  });
  afterEach(() => {
    delete process.env.TASKLOOM_SIGNING_KEY;
  });
  afterAll(async () => {
    await stopWorkers([fileKeyed, envKeyed, keyless]);
    work.dispose();
  });

  it("a run signed with the workers' key runs (key from the run option or the env, on the client and on the worker)", async () => {
    expect(fileKeyed.output()).toContain("signed bundles only");
    expect((await run("sg-file", 7, KEY)).result).toBe(7);
    expect((await run("sg-env", 8, KEY)).result).toBe(8);
    process.env.TASKLOOM_SIGNING_KEY = KEY;
    const outcome = await run("sg-file", 9);
    expect(outcome.result).toBe(9);
    expect(JSON.stringify(outcome.report)).not.toContain(KEY);
    // A worker without a key runs signed runs too.
    expect((await run("sg-none", 10, KEY)).result).toBe(10);
  });

  it("an unsigned run is refused with TL_BUNDLE_SIGNATURE, logged, and the worker serves on", async () => {
    const error = await refused(run("sg-file", 1));
    expect(error).toMatchObject({
      name: "BundleSignatureError",
      code: "TL_BUNDLE_SIGNATURE",
      message: expect.stringMatching(/^run \S+ refused: the manifest.* is not signed, and this worker runs only signed code/),
    });
    expect(fileKeyed.output()).toMatch(/TL_BUNDLE_SIGNATURE run \S+ refused: the manifest.* is not signed/);
    expect(await refused(run("sg-env", 1))).toMatchObject({ code: "TL_BUNDLE_SIGNATURE" });
    expect((await run("sg-file", 2, KEY)).result).toBe(2);
    expect(fileKeyed.child.exitCode).toBeNull();
  });

  it("a run signed with another key is refused with TL_BUNDLE_SIGNATURE; no key shows anywhere", async () => {
    const error = await refused(run("sg-file", 3, OTHER));
    expect(error).toMatchObject({ code: "TL_BUNDLE_SIGNATURE", message: expect.stringContaining("is signed with another key") });
    const env = await refused(run("sg-env", 3, OTHER));
    expect(env).toMatchObject({ code: "TL_BUNDLE_SIGNATURE" });
    for (const text of [error.message, error.stack ?? "", env.message, fileKeyed.output(), envKeyed.output(), keyless.output()]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(OTHER);
    }
    expect((await run("sg-env", 4, KEY)).result).toBe(4);
    expect(envKeyed.child.exitCode).toBeNull();
  });
});
