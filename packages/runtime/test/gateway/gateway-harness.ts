/**
 * Test harness: runs the real `dag-gateway` CLI as a child process against the test redis-server,
 * with the protocol worker fixture as its worker script, and collects its stdout line by line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { RedisTaskQueue } from "../../dist/transport/redis-task-queue.js";
import type { GatewayStatus } from "../../dist/gateway/gateway.js";

const CLI = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));
const WORKER = fileURLToPath(new URL("./fixtures/protocol-worker.mjs", import.meta.url));

/** What a synthetic task does (see fixtures/protocol-worker.mjs). */
export interface TaskSpec {
  kind: "sleep" | "spin" | "alloc";
  ms?: number;
  mb?: number;
  timeoutMs?: number;
  retries?: number;
  name?: string;
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
  readonly queue: RedisTaskQueue;
  port = 0;
  exit: Promise<number | null>;

  private constructor(readonly child: ChildProcess, readonly redisUrl: string, readonly prefix: string) {
    this.redis = new Redis(redisUrl);
    this.queue = new RedisTaskQueue(this.redis, prefix);
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
   * Starts a gateway with the given configurations (other settings merged in); `workerScript`
   * null runs the gateway's default worker (the real remote runtime).
   */
  static async start(redisUrl: string, prefix: string, config: Record<string, unknown>, workerScript: string | null = WORKER): Promise<GatewayHarness> {
    const dir = mkdtempSync(join(tmpdir(), "tl-gateway-"));
    const file = join(dir, "gateway.json");
    writeFileSync(file, JSON.stringify({ keyPrefix: prefix, statusPort: 0, pollMs: 25, stopGraceMs: 1000, ...config }));
    const worker = workerScript === null ? [] : ["--worker", workerScript];
    const child = spawn(process.execPath, [CLI, "--redis", redisUrl, "--config", file, ...worker], {
      stdio: ["ignore", "pipe", "pipe"],
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

  /** Stores each task's spec and hands it to the configuration's queue. */
  async enqueue(group: string, run: string, tasks: Record<string, TaskSpec>): Promise<void> {
    for (const [instance, spec] of Object.entries(tasks)) {
      await this.redis.hset(`${this.prefix}:spec:{${run}}`, instance, JSON.stringify(spec));
    }
    await this.queue.push(group, Object.keys(tasks).map((instanceId) => ({ runId: run, instanceId })));
  }

  async results(run: string): Promise<Record<string, { ok: boolean; message?: string; attempt: number; worker: string }>> {
    const raw = await this.redis.hgetall(`${this.prefix}:result:{${run}}`);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v)]));
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
    await this.queue.close();
    this.redis.disconnect();
  }
}
