/**
 * Issue #10's remote 1,000,000: S2's fan-out + sum over N instances (default 1,000,000) on two
 * `dag-worker`s × 2 threads and a private redis-server, run once (it takes minutes on 2 cores, too
 * long for `npm run bench`): checks the sum, prints the makespan, µs per task and the peak RSS of
 * the client and of each worker (sampled every 50 ms) in total and per instance, and the run keys
 * left in Redis (the metrics list, which expires, and the run index, shared by every run, excepted).
 *
 *   npm run bench:remote-million [-- 1000000]
 */
import { Redis } from "ioredis";
import { startRedisServer } from "../test/setup/redis-server.js";
import { startWorker } from "./lib/dag-worker.js";
import { residentBytes } from "./lib/memory.js";
import { runKeysLeft } from "./lib/run-keys.js";
import { range } from "./lib/shapes.js";
import { loadHandle } from "./taskloom-local.js";

const width = Number(process.argv[2] ?? 1_000_000);
if (!Number.isInteger(width) || width < 1) throw new RangeError(`remote-million: the width must be a positive integer, got ${process.argv[2]}`);
const handle = await loadHandle<number[], number>("bench/workflows/fanout.ts", "benchFanout");
if (typeof handle === "string") throw new Error(handle);
const server = await startRedisServer();
const workers = [await startWorker(server.url), await startWorker(server.url)];
const pids = [process.pid, ...workers.map((w) => w.pid as number)];
const startRss = pids.map(residentBytes);
const peaks = [...startRss];
const timer = setInterval(() => {
  for (const [i, pid] of pids.entries()) peaks[i] = Math.max(peaks[i] as number, residentBytes(pid));
}, 50);
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MB`;
let failed = false;
try {
  const xs = range(width);
  const t0 = performance.now();
  const sum = await handle.run(xs, { redis: server.url });
  const ms = performance.now() - t0;
  const expected = (width * (width - 1)) / 2;
  if (sum !== expected) throw new Error(`remote-million: got ${sum}, expected ${expected}`);
  const redis = new Redis(server.url);
  const left = await runKeysLeft(redis);
  redis.disconnect();
  const grown = peaks.map((p, i) => p - (startRss[i] as number));
  const names = ["client", "worker 1", "worker 2"];
  console.log(
    `remote fan-out ${width.toLocaleString("en-US")} + sum (2 dag-workers × 2 threads): ${ms.toFixed(0)} ms (${((ms * 1000) / (width + 1)).toFixed(1)} µs/task), result checked; ` +
      `peak RSS growth ${grown.map((g, i) => `${names[i]} ${mb(g)} (${(g / (width + 1)).toFixed(0)} B/instance)`).join(", ")}; ` +
      `run keys left: ${left}`,
  );
} catch (error) {
  failed = true;
  console.error((error as Error).stack);
} finally {
  clearInterval(timer);
  for (const w of workers) w.kill("SIGTERM");
  await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once("exit", r)) : undefined)));
  await server.stop();
}
process.exit(failed ? 1 : 0);
