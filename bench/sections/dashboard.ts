/**
 * Issue #13's benchmark: what a dashboard watching costs a remote run. S2 (10,000 tiny tasks + sum)
 * on two dag-workers × 2 threads, with no dashboard and with a `dag-dashboard` process watching the
 * deployment (its presence makes the workers publish batch starts on the run's task-event channel;
 * it follows that channel and the run's metrics) and a stream reader on the run's events, in
 * alternating paired rounds. The dashboard of a watched round is started before it and, as one left
 * open would have, has read the runs Redis keeps and followed one untimed run (its code then runs
 * compiled, not interpreted); it runs at its default priority (nice 10). Plus the update latency:
 * from each task's end (the worker's clock, the same machine) to the stream message that carries
 * it, and, when Chromium is installed, to the frame that shows its colour on the run page.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startRedisServer } from "../../test/setup/redis-server.js";
import { startWorker } from "../lib/dag-worker.js";
import { range, SHAPES } from "../lib/shapes.js";
import { expectEqual, summarize } from "../lib/stats.js";
import { loadHandle } from "../taskloom-local.js";
import { CHROMIUM, launchChromium } from "../../packages/runtime/test/dashboard/browser.js";
import { decodeRunUpdate, type RunUpdateWire } from "../../packages/runtime/dist/dashboard/update-wire.js";

const BIN = fileURLToPath(new URL("../../packages/runtime/bin/dag-dashboard.js", import.meta.url));

/** How long a started dashboard watches before its untimed run (its start reads every run Redis keeps). */
const SETTLE_MS = 1_000;

type RemoteRun = (xs: number[], o: { redis: string }) => Promise<number>;

/** Starts `dag-dashboard --port 0` and resolves with its URL once it serves. */
async function startDashboard(redis: string): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [BIN, "--redis", redis, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /dag-dashboard: (http\S+)/.exec(out);
      if (m) resolve(new URL(m[1] as string));
    });
    child.once("exit", (code) => reject(new Error(`dag-dashboard exited with ${code}: ${out}`)));
  });
  child.stdout?.resume();
  return { child, url };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Follows the first new run the dashboard lists, and records per task the delay from its end to the message carrying it. */
async function followNextRun(base: URL, known: Set<string>, delays: number[], stopAt: Promise<unknown>): Promise<void> {
  let id: string | undefined;
  let done = false;
  void stopAt.then(() => (done = true));
  while (!id && !done) {
    const runs = (await (await fetch(new URL("/api/runs", base))).json()) as { id: string }[];
    id = runs.find((r) => !known.has(r.id))?.id;
    if (!id) await new Promise((r) => setTimeout(r, 5));
  }
  if (!id) return;
  known.add(id);
  const res = await fetch(new URL(`/api/runs/${id}/events`, base));
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    buffer += decoder.decode(value, { stream: true });
    const now = Date.now();
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (block.includes("event: update") && data) {
        for (const t of decodeRunUpdate(JSON.parse(data.slice(6)) as RunUpdateWire).tasks) {
          if (t.state === "done" && t.endedAt !== undefined) delays.push(now - t.endedAt);
        }
      }
      cut = buffer.indexOf("\n\n");
    }
  }
}

const q = (xs: number[]): string => {
  const s = summarize(xs);
  const sorted = [...xs].sort((a, b) => a - b);
  return `median ${s.median.toFixed(0)} ms, p95 ${(sorted[Math.floor(0.95 * sorted.length)] ?? Number.NaN).toFixed(0)} ms, max ${s.max.toFixed(0)} ms over ${s.runs} tasks`;
};

/** Elements of the run the page watches: three times S2's, so that the page is open while most of it runs. */
const PAGE_RUN_SIZE = 3 * SHAPES.s2.size;

/** Event → colour on the run page in Chromium, for one run of {@link PAGE_RUN_SIZE} tiny tasks (n/a without Chromium). */
async function pageLatency(base: URL, known: Set<string>, run: (xs: number[]) => Promise<number>): Promise<string> {
  if (!existsSync(CHROMIUM)) return "page latency: n/a (no /usr/bin/chromium)";
  // The browser tests' launcher: the same flags and a fresh profile.
  const browser = await launchChromium();
  const context = browser.context;
  try {
    // The browser and the page's assets are ready before the run starts: the race is the run page's load alone.
    const page = await context.newPage();
    await page.goto(new URL("/", base).href);
    const running = run(range(PAGE_RUN_SIZE));
    let id: string | undefined;
    while (!id) {
      const runs = (await (await fetch(new URL("/api/runs", base))).json()) as { id: string }[];
      id = runs.find((r) => !known.has(r.id))?.id;
      if (!id) await new Promise((r) => setTimeout(r, 5));
    }
    known.add(id);
    await page.goto(new URL(`/runs/${id}`, base).href);
    expectEqual("the page's run", await running, (PAGE_RUN_SIZE * (PAGE_RUN_SIZE - 1)) / 2);
    // Strings: they run in the page (the bench is compiled without the DOM's types).
    await page.waitForFunction('document.body.dataset.status === "done"', undefined, { timeout: 30_000 });
    const latencies = (await page.evaluate("window.dashboardStats.latencies")) as number[];
    return `page event → colour (Chromium, run page open during a ${PAGE_RUN_SIZE.toLocaleString("en")}-task run): ${latencies.length ? q(latencies) : "no task painted (the page loaded after the run ended)"}`;
  } finally {
    await browser.close();
  }
}

export async function benchDashboard(runs: number, warmup: number, compileError: string | undefined): Promise<string[]> {
  if (compileError) return [compileError];
  const handle = await loadHandle<number[], number>("bench/workflows/fanout.ts", "benchFanout");
  if (typeof handle === "string") return [handle];
  const run = handle.run as unknown as RemoteRun;
  const xs = range(SHAPES.s2.size);
  const server = await startRedisServer();
  const workers = [await startWorker(server.url), await startWorker(server.url)];
  const check = (r: number): void => expectEqual("S2 remote", r, SHAPES.s2.expected);
  const known = new Set<string>();
  const delays: number[] = [];
  const plain: number[] = [];
  const watched: number[] = [];
  const listed = async (base: URL): Promise<void> => {
    for (const r of (await (await fetch(new URL("/api/runs", base))).json()) as { id: string }[]) known.add(r.id);
  };
  const timed = async (into: number[] | undefined, follow?: URL): Promise<void> => {
    if (follow) await listed(follow);
    const t0 = performance.now();
    const result = run(xs, { redis: server.url });
    const following = follow ? followNextRun(follow, known, delays, result) : undefined;
    check(await result);
    into?.push(performance.now() - t0);
    await following;
  };
  const lines: string[] = [];
  try {
    for (let i = 0; i < warmup; i++) await timed(undefined);
    for (let i = 0; i < runs * 2; i++) {
      // Alternating: plain, watched, watched, plain, ... so that both see the same machine.
      if (i % 4 === 0 || i % 4 === 3) {
        await timed(plain);
      } else {
        const d = await startDashboard(server.url);
        try {
          // As a dashboard left open: it read the runs Redis keeps and followed one before this one starts.
          await new Promise((r) => setTimeout(r, SETTLE_MS));
          await timed(undefined, d.url);
          await timed(watched, d.url);
          if (i === 1) {
            await listed(d.url);
            lines.push(await pageLatency(d.url, known, (input) => run(input, { redis: server.url })));
          }
        } finally {
          await stop(d.child);
        }
      }
    }
    const a = summarize(plain);
    const b = summarize(watched);
    const ratio = summarize(watched.map((t, i) => t / (plain[i] as number)));
    lines.unshift(
      `S2 10,000 tasks remote (2 dag-workers × 2 threads): no dashboard ${a.median.toFixed(1)} ms, dashboard watching ${b.median.toFixed(1)} ms → ` +
        `watched/plain = ${ratio.median.toFixed(3)}× (median of ${ratio.runs} paired rounds, ${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)}); goal < 1.05× (under 5 % slower)`,
      `stream update latency (task end → SSE message carrying it, at that rate): ${delays.length ? q(delays) : "no update"}`,
    );
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
  }
  return lines;
}
