import { spawn, type ChildProcess } from "node:child_process";
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
