import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./temp-project.js";

/** The built CLI, run as users run it: `node packages/compiler/dist/cli/main.js`. */
export const CLI = path.join(REPO_ROOT, "packages/compiler/dist/cli/main.js");

/** The outcome of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `dag-compile args...` in `cwd` and waits for it to exit. */
export function runCli(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
