/** Test helper: starts `dag-dashboard` (node on the built bin) and stops it. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/dag-dashboard.js", import.meta.url));

/** A running dashboard process: the URL it printed, its output so far, and `stop()`. */
export interface DashboardProcess {
  child: ChildProcess;
  /** The printed URL (with `?token=` when there is a token). */
  url: URL;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `dag-dashboard <args>` to its exit: its code and output (for arguments it refuses). */
export function runDashboardCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => resolve({ code, output: out }));
  });
}

/** Starts `dag-dashboard --port 0 <args>` and waits for the URL it prints. */
export async function startDashboardProcess(args: string[]): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [BIN, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 15_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /dag-dashboard: (http\S+)/.exec(out))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`dag-dashboard did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    url: new URL(m[1] as string),
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
