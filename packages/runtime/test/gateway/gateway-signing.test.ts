/**
 * `dag-gateway --signing-key-file`: a real gateway gives the key in the file to the real
 * `dag-worker` processes it starts, in their environment: they run a run signed with it and refuse
 * an unsigned one (`TL_BUNDLE_SIGNATURE`). The key is on no process's command line and in no line
 * the gateway or its workers print; an unreadable key file stops the gateway with a message naming
 * the file.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CompiledModule } from "../local/compile-for-test.js";
import { createWorkDir } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";
import { alive, compileGatewayTasks, GatewayHarness, waitUntil } from "./gateway-harness.js";

const url = inject("redisUrl");
const KEY = `gw-key-${randomBytes(12).toString("hex")}`;
const prefix = `tlsg-${randomBytes(3).toString("hex")}`;
const work = createWorkDir();
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  const keyFile = join(work.dir, "signing.key");
  writeFileSync(keyFile, `${KEY}\n`);
  const env: Record<string, string> = { TASKLOOM_SIGNING_KEY: "" }; // the key comes from the file only
  gw = await GatewayHarness.start(url, { configurations: [{ name: "default", memoryMb: 256, threads: 2, maxWorkers: 1, keepAliveMs: 5000 }] }, prefix, env, [
    "--signing-key-file",
    keyFile,
  ]);
});
afterAll(async () => {
  await gw.dispose();
  dispose();
  work.dispose();
});

describe("dag-gateway --signing-key-file", () => {
  it("its workers run runs signed with the key and refuse unsigned ones; the key is on no command line and in no log", async () => {
    const signed = await runRemoteOutcome(mod, "burst", [1, 2, 3], url, { prefix }, { signingKey: KEY });
    expect(signed.result).toBe(12);
    await expect(runRemoteOutcome(mod, "burst", [1, 2, 3], url, { prefix }, {})).rejects.toMatchObject({ code: "TL_BUNDLE_SIGNATURE" });
    await waitUntil("the refusal in the gateway's relayed log", () => gw.find(/TL_BUNDLE_SIGNATURE/));
    expect(gw.find(/signed bundles only/)).toBeDefined();
    expect(gw.workerPids.size).toBeGreaterThan(0);
    for (const pid of [gw.child.pid!, ...gw.workerPids]) {
      if (!alive(pid)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      expect(cmdline).not.toContain(KEY);
    }
    const worker = [...gw.workerPids].find(alive);
    expect(worker, "a worker still runs").toBeDefined();
    expect(readFileSync(`/proc/${worker}/environ`, "utf8").split("\0")).toContain(`TASKLOOM_SIGNING_KEY=${KEY}`);
    expect(gw.lines.map((l) => l.text).join("\n")).not.toContain(KEY);
  });

  it("an unreadable key file stops the gateway with TL_GATEWAY_CONFIG naming the file", () => {
    const config = join(work.dir, "gateway.json");
    writeFileSync(
      config,
      JSON.stringify({ keyPrefix: prefix, configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 1, keepAliveMs: 1000 }] }),
    );
    const cli = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));
    const missing = join(work.dir, "no-such.key");
    const res = spawnSync(process.execPath, [cli, "--redis", url, "--config", config, "--signing-key-file", missing], { encoding: "utf8", timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/cannot read --signing-key-file: .*no-such\.key.*\(TL_GATEWAY_CONFIG\)/);
  });
});
