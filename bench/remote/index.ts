/**
 * Remote benchmarks (`npm run bench -- --only remote`): a 1,023-add tree reduction and a
 * 1,000-wide fan-out on two `dag-worker` processes against a private redis-server, and the same
 * shapes as BullMQ flows on the same server, as ratios. Counts client Redis commands per task
 * (MONITOR, on an extra run) and bytes sent to Redis (INFO stats total_net_input_bytes).
 */
import { Redis } from "ioredis";
import { FlowProducer, Worker, type FlowJob } from "bullmq";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { treeReduction } from "../../examples/tree-reduction/tree-reduction.dag.js";
import { benchFanout } from "../workflows/fanout.dag.js";

async function bytesIn(redis: Redis): Promise<number> {
  const net = await redis.info("stats");
  return Number(/total_net_input_bytes:(\d+)/.exec(net)?.[1] ?? 0);
}

/**
 * Commands Redis executed so far (INFO commandstats: every command, those Lua scripts call
 * included), INFO itself left out.
 */
async function commandsExecuted(redis: Redis): Promise<number> {
  const text = await redis.info("commandstats");
  let total = 0;
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== "info") total += Number(m[2]);
  return total;
}

/**
 * Commands clients sent during `run` (MONITOR shows each with its source; commands run inside Lua
 * scripts are tagged "lua" and left out). An upper bound of round trips: commands issued in one
 * tick share one (auto-pipelining). Measured on an extra, untimed run: MONITOR slows Redis down.
 */
async function clientCommands(redis: Redis, run: () => Promise<unknown>): Promise<number> {
  const monitor = await redis.monitor();
  let count = 0;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (source !== "lua" && !/^(ping|info|monitor|client)$/i.test(args[0] ?? "")) count++;
  });
  await run();
  await new Promise((r) => setTimeout(r, 50));
  monitor.disconnect();
  return count;
}

/** A BullMQ flow of the same shape as treeReduce over `n` leaves (values carried by children). */
function treeFlow(queue: string, items: number[]): FlowJob {
  let level: FlowJob[] = items.map((x) => ({ name: "leaf", queueName: queue, data: { value: x } }));
  while (level.length > 1) {
    const next: FlowJob[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push({ name: "add", queueName: queue, data: {}, children: [level[i]!, level[i + 1]!] });
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

function fanFlow(queue: string, items: number[]): FlowJob {
  return { name: "add", queueName: queue, data: {}, children: items.map((x) => ({ name: "leaf", queueName: queue, data: { value: x } })) };
}

async function bullRun(url: string, flow: (q: string) => FlowJob): Promise<number> {
  const queue = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  let resolveDone: (v: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const processor = async (job: { name: string; data: { value?: number }; parent?: unknown; getChildrenValues(): Promise<Record<string, number>> }) => {
    const value = job.name === "leaf" ? (job.data.value ?? 0) : Object.values(await job.getChildrenValues()).reduce((a, b) => a + b, 0);
    if (!job.parent) resolveDone(value);
    return value;
  };
  // Two BullMQ workers with concurrency 2 each, like the two dag-workers with two threads.
  const conns = [conn.duplicate(), conn.duplicate(), conn.duplicate()];
  const workers = [0, 1].map((i) => new Worker(queue, processor as never, { connection: conns[i]!, concurrency: 2 }));
  const producer = new FlowProducer({ connection: conns[2]! });
  const t0 = performance.now();
  await producer.add(flow(queue));
  await done;
  const ms = performance.now() - t0;
  await Promise.all(workers.map((w) => w.close()));
  await producer.close();
  for (const c of [...conns, conn]) c.disconnect();
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Runs the remote section; returns printable lines. */
export async function benchRemote(options: { runs: number; warmup: number }): Promise<string[]> {
  const server = await startRedisServer();
  const workers = [await startWorker(server.url), await startWorker(server.url)];
  const redis = new Redis(server.url);
  const rows: string[] = [];
  try {
    const leaves = Array.from({ length: 1024 }, (_, i) => i);
    const wide = Array.from({ length: 1000 }, (_, i) => i);
    const wider = Array.from({ length: 10_000 }, (_, i) => i);
    const shapes = [
      {
        name: "tree reduction (1,023 adds)",
        tasks: 1023,
        run: () => treeReduction.run(leaves, { redis: server.url }),
        expect: 523_776,
        bull: (q: string) => treeFlow(q, leaves),
      },
      {
        name: "fan-out 1,000 + sum",
        tasks: 1001,
        run: () => benchFanout.run(wide, { redis: server.url }),
        expect: 499_500,
        bull: (q: string) => fanFlow(q, wide),
      },
      {
        name: "S2 fan-out 10,000 + sum",
        tasks: 10_001,
        run: () => benchFanout.run(wider, { redis: server.url }),
        expect: 49_995_000,
        bull: (q: string) => fanFlow(q, wider),
        bullRuns: 1,
      },
    ];
    for (const shape of shapes) {
      for (let i = 0; i < options.warmup; i++) await shape.run();
      const times: number[] = [];
      const before = await bytesIn(redis);
      const executedBefore = await commandsExecuted(redis);
      for (let i = 0; i < options.runs; i++) {
        const t0 = performance.now();
        const result = await shape.run();
        times.push(performance.now() - t0);
        if (result !== shape.expect) throw new Error(`${shape.name}: got ${String(result)}, expected ${shape.expect}`);
      }
      const executed = (await commandsExecuted(redis)) - executedBefore;
      const after = await bytesIn(redis);
      const commands = await clientCommands(redis, shape.run);
      const bull: number[] = [];
      const bullRuns = ("bullRuns" in shape ? shape.bullRuns : undefined) ?? Math.max(1, Math.min(options.runs, 3));
      const bullBefore = await commandsExecuted(redis);
      for (let i = 0; i < bullRuns; i++) bull.push(await bullRun(server.url, shape.bull));
      const bullExecuted = (await commandsExecuted(redis)) - bullBefore;
      const ms = median(times);
      const bullMs = median(bull);
      rows.push(
        `${shape.name}: taskloom remote ${ms.toFixed(1)} ms (${((shape.tasks * 1000) / ms).toFixed(0)} tasks/s, ${((ms * 1000) / shape.tasks).toFixed(0)} µs/task), ` +
          `${(commands / shape.tasks).toFixed(3)} client Redis commands/task, ` +
          `${(executed / options.runs / shape.tasks).toFixed(2)} commands executed/task (BullMQ ${(bullExecuted / bullRuns / shape.tasks).toFixed(2)}), ` +
          `${((after - before) / options.runs / 1024).toFixed(0)} KiB sent to Redis/run; ` +
          `BullMQ flow ${bullMs.toFixed(1)} ms → BullMQ/taskloom = ${(bullMs / ms).toFixed(2)}×`,
      );
    }
    rows.push(
      "remote: 2 dag-worker processes × 2 threads, loopback redis-server; BullMQ: 2 Workers × concurrency 2 running inside the benchmark process (no worker processes), same server; S2's BullMQ flow is timed once.",
    );
    rows.push(
      "KiB sent to Redis = INFO total_net_input_bytes per run (every command and its arguments: outputs stored, hand-offs, metrics); outputs a worker continues with stay in its memory.",
    );
    rows.push(
      "client commands/task: every command clients sent in one extra run (MONITOR, Lua-internal excluded), client and workers together; an upper bound of round trips (commands issued in one tick share one).",
    );
    rows.push(
      "commands executed/task: INFO commandstats calls over the timed runs (commands inside Lua scripts included, and the workers' polling), per run and task; the same for BullMQ's runs.",
    );
  } finally {
    redis.disconnect();
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
  }
  return rows;
}
