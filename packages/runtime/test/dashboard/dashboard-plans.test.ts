/**
 * Planned runs on the dashboard, in a real Chromium: a real `dag-gateway` with two configurations
 * runs `run(input, { redis, planner })`, a real `dag-dashboard` watches. The runs page shows
 * predicted vs actual makespan and GB-s and the planners across runs (error, SLA hits); a run's page
 * shows its prediction, live ETA and cost so far in the header, the plan's schedule as ghost bars,
 * planned vs measured times in the inspector, nodes coloured by configuration, the critical path
 * and the bytes on the edges.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Page } from "playwright-core";
import { createRedisHistory, type RunReport } from "../../dist/index.js";
import type { CompiledModule } from "../local/compile-for-test.js";
import { compileGatewayTasks, GatewayHarness } from "../gateway/gateway-harness.js";
import { launchChromium, RESULTS_DIR } from "./browser.js";
import { getJson } from "./dashboard-client.js";
import { startDashboardProcess, type DashboardProcess } from "./dashboard-process.js";

// A database of its own: the published configurations and the history are this test's alone.
const url = `${inject("redisUrl")}/3`;
const xs = Array.from({ length: 12 }, (_, i) => i + 1);
let mod: CompiledModule;
let dispose = (): void => {};
let gw: GatewayHarness;
let dashboard: DashboardProcess;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  ({ mod, dispose } = await compileGatewayTasks());
  const history = await createRedisHistory(url);
  await history.clear();
  await history.close();
  [gw, dashboard, browser] = await Promise.all([
    GatewayHarness.start(url, {
      configurations: [
        { name: "fast", memoryMb: 512, threads: 2, maxWorkers: 1, keepAliveMs: 60_000 },
        { name: "small", memoryMb: 256, threads: 2, maxWorkers: 1, keepAliveMs: 60_000 },
      ],
    }),
    startDashboardProcess(["--redis", url]),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  // SIGTERM first: a gateway stopped so removes its workers' cgroups.
  if (gw && gw.child.exitCode === null) {
    gw.child.kill("SIGTERM");
    await gw.exit;
  }
  await gw?.dispose();
  dispose();
});

interface RunJson {
  id: string;
  makespanMs?: number;
  gbSeconds?: number;
  predicted?: { makespanMs: number; gbSeconds: number; sla: string };
  plan?: { planner: string; criticalPath: string[]; tasks: Record<string, { worker: string; group: string; startMs: number; endMs: number }> };
}

async function openRun(runId: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(new URL(`/runs/${runId}`, dashboard.url).href);
  await page.waitForFunction(() => (window as unknown as { dashboardDrawn?: () => boolean }).dashboardDrawn?.() === true);
  return page;
}

describe("planned runs on the dashboard", () => {
  it("shows predicted vs actual makespan and cost, the plan's ghost bars, planned vs measured times, colours by configuration, the critical path and edge bytes", async () => {
    const handle = mod.handle("mixed");
    const reports: RunReport[] = [];
    // No history yet: the default plan (its prediction rests on guesses), then plans from the history.
    reports.push((await handle.run(xs, { redis: url, planner: "uniform", report: true })).report);
    reports.push((await handle.run(xs, { redis: url, planner: "non-uniform", sla: "p90", report: true })).report);
    const last = reports[1]!;
    const plan = last.plan!;

    // The API: the prediction beside what was measured.
    const detail = await getJson<RunJson>(new URL(`/api/runs/${last.runId}`, dashboard.url));
    expect(detail.predicted).toEqual({ makespanMs: plan.predictedMakespanMs, gbSeconds: plan.predictedCost.gbSeconds, sla: "p90" });
    expect(Object.keys(detail.plan!.tasks).sort()).toEqual(Object.keys(plan.tasks).sort());
    expect(detail.plan!.criticalPath).toEqual(plan.criticalPath);
    await expect.poll(async () => (await getJson<RunJson>(new URL(`/api/runs/${last.runId}`, dashboard.url))).gbSeconds ?? 0).toBeGreaterThan(0);
    const measured = (await getJson<RunJson>(new URL(`/api/runs/${last.runId}`, dashboard.url))).gbSeconds!;
    // The same formula as report.cost, without the gateway's cold starts.
    expect(measured).toBeLessThanOrEqual(last.cost.gbSeconds + 1e-9);
    expect(measured).toBeGreaterThan(last.cost.gbSeconds * 0.5);

    // The run page: header, ghost bars, inspector, colours, critical path, edge bytes.
    const page = await openRun(last.runId);
    await page.waitForFunction(() => document.body.dataset.status === "done");
    expect(await page.textContent("#h-predicted")).toMatch(/^predicted: \d+ ms, [\d.]+ GB-s \(non-uniform, p90\)$/);
    expect(await page.textContent("#h-actual")).toMatch(/^actual: \d+ ms \([+-][\d.]+ % vs predicted\)$/);
    expect(await page.textContent("#h-cost")).toMatch(/^cost: [\d.]+ GB-s$/);
    await page.waitForFunction(() => Number(document.getElementById("timeline")?.dataset.ghosts) > 0);
    const timeline = await page.evaluate(() => ({ ...document.getElementById("timeline")!.dataset }));
    expect(Number(timeline.ghosts)).toBe(Object.keys(plan.tasks).length);
    expect(Number(timeline.ghostLanes)).toBe(new Set(Object.values(plan.tasks).map((t) => t.worker)).size);
    const first = Object.keys(plan.tasks)[0]!;
    await page.fill("#inspect-id", first);
    await page.click("#inspect-form button");
    await page.waitForFunction(() => document.querySelector("#inspector")?.textContent?.includes("planned"));
    const inspector = (await page.textContent("#inspector")) ?? "";
    expect(inspector).toMatch(
      new RegExp(
        `planned\\s*on ${plan.tasks[first]!.worker.replace(/[#]/g, "\\$&")} \\(configuration ${plan.tasks[first]!.group}\\), start [\\d.]+ ms, end [\\d.]+ ms.*; measured start [\\d.]+ ms, end [\\d.]+ ms`,
      ),
    );

    // Inputs (the upstream instances, their sizes, where they live) and log lines (the gateway relays Gw.slow's line).
    const joinTask = last.tasks.find((t) => t.name === "Gw.join")!;
    const task = await getJson<{ inputs: { instanceId: string; where: string; outputBytes?: number }[]; logs: { line: string; worker: string }[] }>(
      new URL(`/api/runs/${last.runId}/tasks/${encodeURIComponent(joinTask.instanceId)}`, dashboard.url),
    );
    expect(task.inputs.length).toBe(xs.length + 1);
    for (const i of task.inputs) {
      const up = last.tasks.find((t) => t.instanceId === i.instanceId)!;
      expect(i.outputBytes, i.instanceId).toBe(up.outputBytes);
      expect(i.where, i.instanceId).toBe(up.outputStoredBytes > 0 ? "redis" : `memory of ${up.worker}`);
    }
    const slows = last.tasks.filter((t) => t.name === "Gw.slow");
    const withLines = await Promise.all(
      slows.map(async (t) => (await getJson<typeof task>(new URL(`/api/runs/${last.runId}/tasks/${encodeURIComponent(t.instanceId)}`, dashboard.url))).logs),
    );
    const logged = slows.filter((_, i) => withLines[i]!.some((l) => /^slow \d+ on its way$/.test(l.line)));
    expect(logged.length).toBeGreaterThan(0);
    await page.fill("#inspect-id", joinTask.instanceId);
    await page.click("#inspect-form button");
    await page.waitForFunction((n) => document.querySelectorAll("#inspector-inputs tr").length === n, xs.length + 1);
    await page.fill("#inspect-id", logged[0]!.instanceId);
    await page.click("#inspect-form button");
    await page.waitForFunction(() => /slow \d+ on its way/.test(document.querySelector("#inspector pre.logs")?.textContent ?? ""));
    expect(await page.textContent("#inspector h4")).toMatch(/^inputs \(0 upstream instances\)$|^inputs \(\d+ upstream instances\)$/);

    await page.selectOption("#colour-by", "configuration");
    await page.waitForFunction(() => [...document.querySelectorAll<SVGRectElement>("rect[data-instance]")].every((r) => r.dataset.colour !== "done"));
    const colours = await page.evaluate(() =>
      Object.fromEntries([...document.querySelectorAll<SVGRectElement>("rect[data-instance]")].map((r) => [r.dataset.instance, r.dataset.colour])),
    );
    for (const t of last.tasks) expect(colours[t.instanceId], t.instanceId).toBe(t.configuration);
    const fills = await page.evaluate(() => new Set([...document.querySelectorAll<SVGRectElement>("rect[data-instance]")].map((r) => r.style.fill)).size);
    expect(fills).toBe(new Set(last.tasks.map((t) => t.configuration)).size);

    // The measured critical path ends at the join and runs back through the chain or the fan-out.
    expect(await page.getAttribute("#dag", "data-critical")).toBe("measured");
    const critical = await page.evaluate(() =>
      [...document.querySelectorAll<SVGGElement>("g[data-critical]")].map((g) => g.querySelector("text")?.textContent ?? ""),
    );
    expect(critical.some((n) => n.startsWith("Gw.join"))).toBe(true);
    expect(critical.length).toBeGreaterThanOrEqual(2);
    // Edge labels: the bytes the source's instances output (the chain's links pass numbers on).
    const labels = await page.evaluate(() =>
      [...document.querySelectorAll<SVGTextElement>("text.edge-label")].map((t) => ({ ...t.dataset, text: t.textContent })),
    );
    expect(labels.length).toBeGreaterThan(0);
    const outputs = new Map<string, number>();
    for (const t of last.tasks) outputs.set(t.instanceId.replace(/[[~].*$/, ""), (outputs.get(t.instanceId.replace(/[[~].*$/, "")) ?? 0) + t.outputBytes);
    for (const l of labels) expect(Number(l.bytes), `${l.from} → ${l.to}`).toBe(outputs.get(l.from!));
    await page.screenshot({ path: join(RESULTS_DIR, "dashboard-planned-run.png"), fullPage: true });
    await page.close();

    // A live planned run: its prediction, ETA and cost so far in the header while it runs.
    const live = handle.run(
      Array.from({ length: 40 }, (_, i) => i),
      { redis: url, planner: "uniform", report: true },
    );
    let runId: string | undefined;
    await expect
      .poll(async () => {
        const runs = await getJson<(RunJson & { status: string; workflow: string })[]>(new URL("/api/runs", dashboard.url));
        runId = runs.find((r) => r.status === "running" && !reports.some((x) => x.runId === r.id))?.id;
        return runId;
      })
      .toBeDefined();
    const livePage = await openRun(runId!);
    await livePage.waitForFunction(() => /^eta: (\d+ ms|[\d.]+ s|\?) left$|^eta: \?$/.test(document.getElementById("h-eta")?.textContent ?? ""));
    expect(await livePage.textContent("#h-predicted")).toMatch(/^predicted: \d+ ms/);
    await livePage.waitForFunction(() => /^cost-so-far: [\d.]+ GB-s$/.test(document.getElementById("h-cost-so-far")?.textContent ?? ""), undefined, {
      timeout: 20_000,
    });
    reports.push((await live).report);
    await livePage.waitForFunction(() => document.body.dataset.status === "done");
    await livePage.close();

    // The runs page: predicted vs actual per run, and the planners across runs.
    const runsPage = await browser.context.newPage();
    await runsPage.goto(dashboard.url.href);
    await runsPage.waitForFunction((id) => document.querySelector(`#runs tr[data-run="${id}"]`) !== null, last.runId);
    const row = await runsPage.evaluate(
      (id) => [...document.querySelector<HTMLTableRowElement>(`#runs tr[data-run="${id}"]`)!.cells].map((c) => c.textContent),
      last.runId,
    );
    expect(row[7]).toBe(`${Math.round(plan.predictedMakespanMs)} ms (p90)`);
    expect(row[8]).toMatch(/^[+-][\d.]+ %$/);
    expect(row[9]).toBe(plan.predictedCost.gbSeconds.toFixed(4));
    expect(Number(row[10])).toBeGreaterThan(0);
    await runsPage.waitForFunction(() => document.querySelector<HTMLTableRowElement>('#planners tr[data-planner="uniform"]')?.dataset.planned === "2");
    const uniform = await runsPage.evaluate(() => ({ ...document.querySelector<HTMLTableRowElement>('#planners tr[data-planner="uniform"]')!.dataset }));
    // Hits as the dashboard measured the makespans (from the run index: submission to end).
    const listed = await getJson<RunJson[]>(new URL("/api/runs?workflow=mixed", dashboard.url));
    const ids = new Set(reports.filter((r) => r.planner === "uniform").map((r) => r.runId));
    const hits = listed.filter((r) => ids.has(r.id) && r.makespanMs! <= r.predicted!.makespanMs).length;
    expect(uniform).toMatchObject({ runs: "2", planned: "2", hits: String(hits) });
    const cells = await runsPage.evaluate(() =>
      [...document.querySelector<HTMLTableRowElement>('#planners tr[data-planner="non-uniform"]')!.cells].map((c) => c.textContent),
    );
    expect(cells[4]).toBe("1");
    expect(cells[5]).toMatch(/^[\d.]+ %$/);
    expect(cells[6]).toMatch(/^[01] \/ 1$/);
    await runsPage.screenshot({ path: join(RESULTS_DIR, "dashboard-planners.png"), fullPage: true });
    await runsPage.close();
  }, 120_000);
});
