import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../packages/runtime/dist/cli/dag-worker.js", import.meta.url));

/** Starts a `dag-worker` (2 threads, then `extra` flags) on `url` with `node <bin>` and resolves once it serves its group. */
export async function startWorker(url: string, extra: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, "--redis", url, "--concurrency", "2", ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!out.includes("serving group")) return;
      // Stop collecting: the worker logs for as long as the bench runs; later lines are drained unread.
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve();
    };
    const onExit = (code: number | null): void => reject(new Error(`dag-worker exited with code ${code} before serving:\n${out}`));
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
  child.stdout?.resume();
  return child;
}

const GATEWAY_BIN = fileURLToPath(new URL("../../packages/runtime/dist/cli/dag-gateway.js", import.meta.url));

/**
 * Starts a `dag-gateway` on `url` with `configurations` (a config file in a fresh temporary folder,
 * status on a free port, 25 ms polls) and resolves once it listens.
 */
export async function startGateway(url: string, configurations: readonly object[]): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), "tl-bench-gw-"));
  writeFileSync(join(dir, "gw.json"), JSON.stringify({ statusPort: 0, pollMs: 25, configurations }));
  const child = spawn(process.execPath, [GATEWAY_BIN, "--redis", url, "--config", join(dir, "gw.json")], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!out.includes("listening on")) return;
      child.stdout?.off("data", onData);
      resolve();
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`dag-gateway exited with code ${code}:\n${out}`)));
  });
  child.stdout?.resume();
  return child;
}
