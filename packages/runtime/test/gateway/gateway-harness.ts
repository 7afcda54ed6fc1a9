/**
 * Test harness: runs the real `dag-gateway` CLI as a child process against the test redis-server
 * (its workers are real `dag-worker` processes), collects its stdout line by line, compiles the
 * fixture workflows with the real compiler, and runs them as clients do.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type { GatewayStatus } from "../../dist/gateway/gateway.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";

const CLI = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));

/**
 * Compiles fixtures/workflows/gateway-tasks.ts (sleep, endless and allocating tasks) with the real
 * compiler into a work directory; `dispose()` removes it.
 */
export async function compileGatewayTasks(): Promise<{ mod: CompiledModule; dispose(): void }> {
  const work = createWorkDir();
  const dir = fileURLToPath(new URL("./fixtures/workflows", import.meta.url));
  const mod = (await compileForTest(work.dir, [{ dir, entry: "gateway-tasks.ts", name: "gateway" }])).get("gateway")!;
  return { mod, dispose: work.dispose };
}

/**
 * Runs a workflow of `mod` remotely with every task placed in worker group `group` (a gateway
 * configuration), as `run(input, { redis })` does for the group `default`.
 */
export async function runInGroup(mod: CompiledModule, workflow: string, input: unknown, redisUrl: string, group: string): Promise<unknown> {
  return (await runRemoteOutcome(mod, workflow, input, redisUrl, { plan: { defaultGroup: group } })).result;
}

/** Pids of the processes in process group `pgid`, from the process listing (`ps`). */
export function processGroup(pgid: number): number[] {
  const listing = execFileSync("ps", ["-eo", "pid=,pgid="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, g]) => g === pgid)
    .map(([p]) => p!);
}

/** Whether a process is still alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 25 ms until it returns a truthy value or `timeoutMs` passes. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class GatewayHarness {
  readonly lines: { at: number; text: string }[] = [];
  readonly workerPids = new Set<number>();
  readonly redis: Redis;
  port = 0;
  exit: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly redisUrl: string,
    readonly prefix: string,
  ) {
    this.redis = new Redis(redisUrl);
    this.exit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (text) => {
      this.lines.push({ at: Date.now(), text });
      const started = /^\[gateway\] started \S+ \(pid (\d+)/.exec(text);
      if (started) this.workerPids.add(Number(started[1]));
      if (process.env.GATEWAY_TEST_VERBOSE) console.log(text);
    });
    child.stderr!.on("data", (chunk: Buffer) => this.lines.push({ at: Date.now(), text: `stderr: ${chunk.toString()}` }));
  }

  /**
   * Starts a gateway with the given configurations (other settings merged in) and its default
   * worker, this package's `dag-worker`, with extra command-line `args`. Clients' runs use the key prefix `tl`.
   */
  static async start(
    redisUrl: string,
    config: Record<string, unknown>,
    prefix = "tl",
    env?: Record<string, string>,
    args: string[] = [],
  ): Promise<GatewayHarness> {
    const dir = mkdtempSync(join(tmpdir(), "tl-gateway-"));
    const file = join(dir, "gateway.json");
    writeFileSync(file, JSON.stringify({ keyPrefix: prefix, statusPort: 0, pollMs: 25, stopGraceMs: 1000, ...config }));
    const child = spawn(process.execPath, [CLI, "--redis", redisUrl, "--config", file, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    const harness = new GatewayHarness(child, redisUrl, prefix);
    const line = await waitUntil("the gateway to listen", () => harness.find(/listening on http:\/\/127\.0\.0\.1:(\d+)/), 10_000);
    harness.port = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
    return harness;
  }

  find(pattern: RegExp): string | undefined {
    return this.lines.find((l) => pattern.test(l.text))?.text;
  }

  indexOf(pattern: RegExp): number {
    return this.lines.findIndex((l) => pattern.test(l.text));
  }

  async status(): Promise<GatewayStatus> {
    const response = await fetch(`http://127.0.0.1:${this.port}/status`);
    return (await response.json()) as GatewayStatus;
  }

  /** Kills the gateway and every worker it ever started, whatever state they are in. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    for (const pid of this.workerPids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.exit;
    this.redis.disconnect();
  }
}
