/**
 * The dashboard's pages in a real Chromium (playwright-core on /usr/bin/chromium, a fresh
 * profile), fed by a real `dag-dashboard` process that watches real `dag-worker`s on a real
 * redis-server. Measurements (time to first paint, event → colour latency, frame delays) are
 * printed, never asserted. Screenshots go to test-results/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Page } from "playwright-core";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";
import { launchChromium, RESULTS_DIR } from "./browser.js";
import { startCuttingProxy, type CuttingProxy } from "./cutting-proxy.js";
import { waitForRun } from "./dashboard-client.js";
import { runDashboardCli, startDashboardProcess, type DashboardProcess } from "./dashboard-process.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";

const PREFIX = "browsertest";
const url = inject("redisUrl");
const work = createWorkDir();
let mod: CompiledModule;
let workers: WorkerProcess[] = [];
let dashboard: DashboardProcess;
let proxy: CuttingProxy;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "dashboard-tasks.ts", name: "dash" }]);
  mod = compiled.get("dash") as CompiledModule;
  [workers, dashboard, browser] = await Promise.all([
    startWorkers(url, 2, ["--prefix", PREFIX]),
    startDashboardProcess(["--redis", url, "--prefix", PREFIX]),
    launchChromium(),
  ]);
  proxy = await startCuttingProxy(Number(dashboard.url.port));
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await dashboard?.stop();
  await stopWorkers(workers);
  work.dispose();
});

/** Opens the page of the first listed run of `workflow` (through the proxy). */
async function openRun(workflow: string): Promise<{ page: Page; runId: string }> {
  const run = await waitForRun(dashboard.url, workflow);
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${proxy.port}/runs/${run.id}`);
  await page.waitForFunction(() => (window as unknown as { dashboardDrawn?: () => boolean }).dashboardDrawn?.() === true);
  return { page, runId: run.id };
}

/** The DAG box of the node whose instances run task `suffix` (`Dash.napAfter`). */
async function boxOf(page: Page, name: string): Promise<Record<string, string>> {
  return page.evaluate((n) => {
    const g = [...document.querySelectorAll<SVGGElement>("g[data-node]")].find((x) => x.querySelector("text")?.textContent?.startsWith(n));
    return g ? { ...g.dataset } : {};
  }, name);
}

function quantiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return `median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${(s.at(-1) ?? Number.NaN).toFixed(0)} ms over ${s.length}`;
}

describe("dashboard pages in Chromium", () => {
  it("a live remote run turns its nodes from waiting to done, its counts equal the run's, and a cut connection resumes with Last-Event-ID", async () => {
    const xs = Array.from({ length: 200 }, (_, i) => i);
    const running = runRemoteOutcome(mod, "slowStart", xs, url, { prefix: PREFIX }, { report: true });
    const { page, runId } = await openRun("slowStart");
    // The map's node is drawn from the manifest before any of its tasks ran.
    expect((await boxOf(page, "Dash.napAfter")).state).toBe("waiting");
    // The 2 s pause runs on a dag-worker: the page shows it running (its batch's start event), not ready → done.
    // The header as painted in the same frame as that box (the pause may end right after).
    const header = await page.waitForFunction(() => {
      const g = [...document.querySelectorAll<SVGGElement>("g[data-node]")].find((x) => x.querySelector("text")?.textContent?.startsWith("Dash.pause"));
      return g?.dataset.running === "1" && g.dataset.state === "running" && document.getElementById("h-running")?.textContent;
    });
    expect(await header.jsonValue()).toBe("running: 1");
    await page.screenshot({ path: join(RESULTS_DIR, "dashboard-live-waiting.png"), fullPage: true });
    await page.waitForFunction(() => Number(document.querySelector<SVGGElement>("g[data-done]:not([data-done='0'])")?.dataset.done ?? 0) > 0);
    // A real network drop mid-run: the browser's EventSource reconnects and sends Last-Event-ID.
    proxy.cut();
    const outcome = await running;
    expect(outcome.report.runId).toBe(runId);
    await page.waitForFunction(() => document.body.dataset.status === "done", undefined, { timeout: 15_000 });
    await page.waitForFunction((n) => document.getElementById("h-done")?.textContent === `done: ${n}`, outcome.report.counts.finished, { timeout: 10_000 });
    const box = await boxOf(page, "Dash.napAfter");
    expect(box.state).toBe("done");
    expect(Number(box.done)).toBe(200);
    expect(await page.textContent("#h-tasks")).toBe(`tasks: ${outcome.report.counts.tasks}`);
    const stats = await page.evaluate(() => (window as unknown as { dashboardStats: { reconnects: number } }).dashboardStats);
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(proxy.heads.some((h) => new RegExp(`^GET /api/runs/${runId}/events`).test(h) && /\r\nlast-event-id: \d+\r\n/i.test(h))).toBe(true);
    // Progress per task function, and the timeline: a lane per worker thread, each task's fetch, execution and store.
    await page.waitForFunction(() => document.querySelector<HTMLTableRowElement>("#progress tr[data-task='Dash.napAfter']")?.dataset.done === "200");
    await page.waitForFunction(() => Number(document.getElementById("timeline")?.dataset.tasks) === 202, undefined, { timeout: 5_000 });
    const timeline = await page.evaluate(() => ({ ...document.getElementById("timeline")!.dataset }));
    const lanes = new Set(outcome.report.tasks.map((t) => `${t.worker}/${t.thread}`));
    expect(Number(timeline.lanes)).toBe(lanes.size);
    expect(Number(timeline.segments)).toBeGreaterThanOrEqual(202);
    // The inspector: a task's place, attempts, sizes and measured times.
    await page.locator("rect[data-instance]").first().click();
    await page.waitForFunction(() => document.querySelector("#inspector .preview")?.textContent?.startsWith("output"));
    // Its call arguments: the run ended, so its keys (and the input they came from) are gone, and the inspector says so.
    expect(await page.textContent("#inspector-arguments")).toMatch(/^arguments: not kept: the run ended/);
    const inspector = (await page.textContent("#inspector")) ?? "";
    expect(inspector).toMatch(
      /instance.*state\s*done.*attempts\s*1.*thread \d+, configuration default.*measured\s*fetch [\d.]+ ms · execution [\d.]+ ms · store [\d.]+ ms.*inputs\s*\d+ B/s,
    );
    await page.screenshot({ path: join(RESULTS_DIR, "dashboard-live-done.png"), fullPage: true });
    await page.close();

    // Export: one self-contained page (opened from a file, no server) and a Chrome trace.
    const html = join(work.dir, "run.html");
    const trace = join(work.dir, "run.json");
    const exported = await runDashboardCli(["export", runId, "--html", html, "--trace", trace, "--redis", url, "--prefix", PREFIX]);
    expect(exported.output).toContain(`exported run ${runId} (202 tasks)`);
    expect(exported.code).toBe(0);
    const events = (
      JSON.parse(readFileSync(trace, "utf8")) as {
        traceEvents: { ph: string; cat?: string; pid: number; tid: number; name: string; args?: { name?: string } }[];
      }
    ).traceEvents;
    expect(events.filter((e) => e.ph === "X" && (e.cat === "task" || e.cat === "failed")).length).toBe(202);
    expect(new Set(events.filter((e) => e.ph === "M").map((e) => e.args?.name))).toEqual(new Set(outcome.report.tasks.map((t) => t.worker)));
    const offline = await browser.context.newPage();
    await offline.goto(pathToFileURL(html).href);
    await offline.waitForFunction(() => document.body.dataset.status === "done");
    expect(await offline.textContent("#h-done")).toBe("done: 202");
    expect(await offline.locator("link[rel=stylesheet], script[src]").count()).toBe(0);
    await offline.screenshot({ path: join(RESULTS_DIR, "dashboard-exported.png"), fullPage: true });
    await offline.close();
  });

  it("a failing task shows its error and its original stack", async () => {
    const failed = runRemoteOutcome(mod, "exploding", [1, 2, 3], url, { prefix: PREFIX }).catch((e: unknown) => e);
    expect(await failed).toBeInstanceOf(Error);
    const { page } = await openRun("exploding");
    await page.waitForFunction(() => document.querySelector("#failures pre")?.textContent?.includes("at Dash.explode"), undefined, { timeout: 10_000 });
    expect(await page.textContent("#failures h3")).toContain("RangeError: exploded at 2");
    expect((await boxOf(page, "Dash.explode")).state).toBe("failed");
    await page.locator("#failures h3").click();
    await page.waitForFunction(() => document.querySelector("#inspector .stack")?.textContent?.includes("at Dash.explode"));
    await page.screenshot({ path: join(RESULTS_DIR, "dashboard-failed.png"), fullPage: true });
    await page.close();
  });

  it("a 20,000-task run groups its instances and the page stays responsive (time to first paint, event → colour latency printed)", async () => {
    const xs = Array.from({ length: 20_000 }, (_, i) => i);
    const running = runRemoteOutcome(mod, "tinies", xs, url, { prefix: PREFIX }, { report: true });
    const { page } = await openRun("tinies");
    // Frame delays while the run's updates arrive: how late a requestAnimationFrame callback comes.
    const frames = page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const delays: number[] = [];
          let last = performance.now();
          const tick = (now: number): void => {
            delays.push(now - last);
            last = now;
            if (document.body.dataset.status === "running" || delays.length < 5) requestAnimationFrame(tick);
            else resolve(delays);
          };
          requestAnimationFrame(tick);
        }),
    );
    const outcome = await running;
    await page.waitForFunction((n) => document.getElementById("h-done")?.textContent === `done: ${n}`, outcome.report.counts.finished, { timeout: 60_000 });
    const delays = await frames;
    const box = await boxOf(page, "Many.tiny");
    expect(Number(box.total)).toBe(20_000);
    expect(Number(box.done)).toBe(20_000);
    // Grouped: one box with counts, no cell per instance.
    expect(await page.locator("rect[data-instance]").count()).toBe(0);
    const paint = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN);
    const latencies = await page.evaluate(() => (window as unknown as { dashboardStats: { latencies: number[] } }).dashboardStats.latencies);
    console.log(
      `dashboard 20,000 tasks: time to first paint ${paint.toFixed(0)} ms; event → colour ${quantiles(latencies)}; frame delays ${quantiles(delays)}`,
    );
    expect(latencies.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(RESULTS_DIR, "dashboard-20000-grouped.png"), fullPage: true });
    // Still usable: a click expands the group into its 20,000 cells.
    const t0 = Date.now();
    await page.locator("g[data-node]", { hasText: "Many.tiny" }).click();
    await page.waitForFunction(() => document.querySelectorAll("rect[data-instance]").length === 20_000, undefined, { timeout: 60_000 });
    console.log(`dashboard 20,000 tasks: expanding the group took ${Date.now() - t0} ms`);
    await page.close();
    // Wide: 20,000 remote tasks on a loaded 2-core machine take tens of seconds.
  }, 240_000);

  it("the runs page shows a worker gateway's ledger (dag-dashboard --gateway)", async () => {
    const gw = await GatewayHarness.start(
      url,
      { configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 1, keepAliveMs: 5000 }] },
      "browsergw",
    );
    const d = await startDashboardProcess(["--redis", url, "--prefix", "browsergw", "--gateway", `127.0.0.1:${gw.port}`]);
    try {
      const done = await runRemoteOutcome(mod, "naps", [1, 2], url, { prefix: "browsergw" });
      expect(done.result).toBe(3);
      const page = await browser.context.newPage();
      await page.goto(d.url.href);
      await page.waitForFunction(() => Number(document.querySelector<HTMLTableRowElement>("#workers tbody tr")?.cells[5]?.textContent) >= 3, undefined, {
        timeout: 10_000,
      });
      const row = await page.evaluate(() => [...document.querySelector<HTMLTableRowElement>("#workers tbody tr")!.cells].map((c) => c.textContent));
      expect(row[1]).toBe("default");
      expect(row[4]).toMatch(/^cold \d+ ms$/);
      await page.screenshot({ path: join(RESULTS_DIR, "dashboard-workers.png"), fullPage: true });
      await page.close();
    } finally {
      await d.stop();
      await gw.dispose();
    }
  });
});
