/** Test helper: spawns real `dag-worker` processes (node on the built dist) and stops them. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";

const BIN = fileURLToPath(new URL("../../dist/cli/dag-worker.js", import.meta.url));

/** A running worker process and its output so far. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

/** Starts `count` workers on `redisUrl` and waits until each serves its queue. */
export async function startWorkers(redisUrl: string, count: number, extra: string[] = [], env: Record<string, string> = {}): Promise<WorkerProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, [BIN, "--redis", redisUrl, "--concurrency", "2", ...extra], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...env },
      });
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 10_000;
      while (!out.includes("serving group")) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dag-worker did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return { child, output: () => out };
    }),
  );
}

/** Stops workers with SIGTERM (SIGKILL after 5 s) and waits for them to exit. */
export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 5000).unref();
        }),
    ),
  );
}

/** Tasks a worker's log says it started (one line per batch: `task n1`, `3 tasks n1 n2 n3`, `64 tasks n1[0] … n1[63]`). */
export function tasksStarted(output: string): number {
  let n = 0;
  for (const m of output.matchAll(/ (?:task \S+|(\d+) tasks .*) start$/gm)) n += m[1] === undefined ? 1 : Number(m[1]);
  return n;
}

/** Keys of runs (hash-tagged `<prefix>:{<run>}:…`) left in Redis: the metrics lists and the run index (`<prefix>:{runs}:…`, shared by every run, like the blobs) excepted. */
export async function leftoverRunKeys(redis: Redis, prefix = "tl"): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:{*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch.filter((k) => !k.endsWith(":metrics") && !k.startsWith(`${prefix}:{runs}:`)));
  } while (cursor !== "0");
  return keys;
}
