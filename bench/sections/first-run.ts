import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { transformSync } from "esbuild";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { summarize, type Stats } from "../lib/stats.js";

const CHILD = fileURLToPath(new URL("../first-run-child.mjs", import.meta.url));
const HANDLE = fileURLToPath(new URL("../workflows/fanout.dag.ts", import.meta.url));

/** The generated S2 module as JavaScript (`fanout.dag.mjs`), as a built program would import it. */
function transpileHandle(): void {
  const { code } = transformSync(readFileSync(HANDLE, "utf8"), { loader: "ts", format: "esm" });
  writeFileSync(HANDLE.replace(/\.ts$/, ".mjs"), code);
}

interface ChildTimes {
  importMs: number;
  firstRunMs: number;
  firstRunCpuMs: number;
  warmMs: number;
}

/** Starts a fresh `node` that imports the S2 handle and runs it on `width` elements. */
async function fresh(width: number, redis?: string): Promise<ChildTimes> {
  const args = [CHILD, String(width), ...(redis ? [redis] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: fileURLToPath(new URL("../..", import.meta.url)) });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as ChildTimes;
}

const f = (s: Stats) => `${s.median.toFixed(1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

/**
 * Issue #10's first-run goal: a new `node` process (plain JavaScript, no TypeScript loader) imports a handle and runs a 1-task and a
 * 1,000-task workflow once, locally and remotely with warm workers. `runs` fresh processes per
 * case, the cases alternated; each process's warm runs are the baseline of its first.
 */
export async function benchFirstRun(runs: number): Promise<string[]> {
  transpileHandle();
  const server = await startRedisServer();
  const workers = [await startWorker(server.url), await startWorker(server.url)];
  try {
    const cases = [
      { name: "local 1 task", width: 1, goal: 60 },
      { name: "remote 1 task (warm workers)", width: 1, redis: server.url, goal: 40 },
      { name: "local 1,000 tasks", width: 1000 },
      { name: "remote 1,000 tasks (warm workers)", width: 1000, redis: server.url },
    ];
    // Untimed: warms the OS file cache and the workers' bundle caches.
    for (const c of cases) await fresh(c.width, c.redis);
    const samples = cases.map(() => [] as ChildTimes[]);
    for (let i = 0; i < runs; i++) for (const [k, c] of cases.entries()) samples[k]!.push(await fresh(c.width, c.redis));
    return cases.map((c, k) => {
      const s = samples[k]!;
      const first = summarize(s.map((x) => x.firstRunMs));
      const warm = summarize(s.map((x) => x.warmMs));
      const ratio = summarize(s.map((x) => x.firstRunMs / x.warmMs));
      const goal = c.goal ? `; goal < ${c.goal} ms` : "";
      return (
        `${c.name}: first run ${f(first)} (CPU ${f(summarize(s.map((x) => x.firstRunCpuMs)))}, threads included), warm run ${f(warm)} → first/warm = ${ratio.median.toFixed(1)}×; ` +
        `handle import ${f(summarize(s.map((x) => x.importMs)))} (median of ${runs} fresh processes${goal})`
      );
    });
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
  }
}
