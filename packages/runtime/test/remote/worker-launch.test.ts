/**
 * How `dag-worker` is started, on real processes: the package's bin run directly (as the README
 * says: `./node_modules/.bin/dag-worker`, whose shebang execs node) gets SIGTERM itself and stops;
 * a worker whose launcher died does not keep running unseen: under `sh -c` (its shell killed), and
 * under a launcher that started it through a shell and was SIGKILLed while the shell lives on (what
 * `npx` does: npm → sh → node).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/dag-worker.js", import.meta.url));
const started: ChildProcess[] = [];
const pids: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Spawns `command` and waits for the worker's start line; returns the process and the worker's pid (from its id). */
async function launch(command: string, args: string[]): Promise<{ child: ChildProcess; worker: number; output: () => string }> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TASKLOOM_REDIS_URL: inject("redisUrl") } });
  started.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 15_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /worker \S+?-(\d+)-\w+ serving group/.exec(out))) {
    if (Date.now() > deadline) throw new Error(`dag-worker did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const worker = Number(m[1]);
  pids.push(worker);
  return { child, worker, output: () => out };
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

afterAll(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("starting dag-worker so that signals reach it", () => {
  it("the bin run directly is the worker process itself: SIGTERM stops it cleanly", async () => {
    const { child, worker, output } = await launch(BIN, ["--group", "launch-bin"]);
    expect(worker).toBe(child.pid);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output()).toContain("dag-worker: SIGTERM, finishing held work");
  });

  it("a worker whose output pipe was closed (its log reader died) stops cleanly on SIGTERM instead of dying of EPIPE", async () => {
    const { child, output } = await launch(BIN, ["--group", "launch-epipe"]);
    child.stdout?.destroy();
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    // Its shutdown line goes to the closed pipe.
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output()).not.toMatch(/EPIPE|Unhandled 'error'/);
  });

  it("a worker whose shell launcher (sh -c) is SIGKILLed exits by itself", async () => {
    // `; true` keeps sh as the worker's parent (no exec of the last command).
    const { child, worker } = await launch("/bin/sh", ["-c", `"${process.execPath}" "${BIN}" --group launch-sh; true`]);
    expect(worker).not.toBe(child.pid);
    child.kill("SIGKILL");
    expect(await gone(worker, 10_000)).toBe(true);
  });

  it("a worker started through a shell by a launcher that is SIGKILLed (npm → sh → node) exits although its shell lives on", async () => {
    // The launcher: a node process running `sh -c 'node dag-worker.js …; true'`, as npm exec does.
    const script = `require("node:child_process").spawn("/bin/sh", ["-c", ${JSON.stringify(`"${process.execPath}" "${BIN}" --group launch-npx; true`)}], { stdio: "inherit" }); setInterval(() => {}, 1000);`;
    const { child, worker } = await launch(process.execPath, ["-e", script]);
    child.kill("SIGKILL");
    expect(await gone(worker, 10_000)).toBe(true);
  });
});
