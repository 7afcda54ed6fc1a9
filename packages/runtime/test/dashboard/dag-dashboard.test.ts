/**
 * `dag-dashboard` end to end: the real bin (node), real `dag-worker` processes and a real
 * redis-server (under a key prefix of its own, so that other test files' workers are not asked to
 * publish events), a real SQLite history file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeLocalPools, createSqliteHistory, decodeRunUpdate, revivePreview, type RunReport, type RunUpdateWire, type ValuePreview } from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "../remote/remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "../remote/worker-processes.js";
import { detailOf, getJson, readEvents, SCHEMAS, until, waitForRun } from "./dashboard-client.js";
import { runDashboardCli, startDashboardProcess, type DashboardProcess } from "./dashboard-process.js";
import { startRedisServer } from "../../../../test/setup/redis-server.js";

const PREFIX = "dashtest";
const url = inject("redisUrl");
const work = createWorkDir();
let mod: CompiledModule;
let workers: WorkerProcess[] = [];
const dashboards: DashboardProcess[] = [];

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "dashboard-tasks.ts", name: "dash" }]);
  mod = compiled.get("dash") as CompiledModule;
  workers = await startWorkers(url, 2, ["--prefix", PREFIX]);
});

afterAll(async () => {
  await Promise.all(dashboards.map((d) => d.stop()));
  await stopWorkers(workers);
  await closeLocalPools();
  work.dispose();
});

async function dashboard(args: string[]): Promise<DashboardProcess> {
  const d = await startDashboardProcess(args);
  dashboards.push(d);
  return d;
}

describe("dag-dashboard", () => {
  it("shows a remote run it was started after (everything so far, then the rest), and one started while it watches, live from the run's channel", async () => {
    const xs = Array.from({ length: 300 }, (_, i) => i);
    const spy = new Redis(url);
    const published = new Map<string, number>();
    await spy.psubscribe(`${PREFIX}:{*}:tasks`);
    spy.on("pmessage", (_p: string, channel: string, message: string) => {
      const run = /\{(.+)\}/.exec(channel)?.[1] as string;
      if (message.startsWith("{")) published.set(run, (published.get(run) ?? 0) + 1);
    });
    const early = runRemoteOutcome(mod, "naps", xs, url, { prefix: PREFIX }, { report: true });
    await new Promise((r) => setTimeout(r, 400));
    const d = await dashboard(["--redis", url, "--prefix", PREFIX]);
    const listed = (await (await fetch(new URL("/api/runs", d.url))).json()) as { id: string; status: string; tasks: { done: number } }[];
    expect(SCHEMAS.runs(listed, "runs")).toEqual([]);
    expect(listed.length).toBe(1);
    const id = listed[0]!.id;
    // Already at its first read: the compiled graph and the tasks done so far (from the stored metrics).
    const first = (await detailOf(d.url, id))!;
    expect(SCHEMAS.run(first, "run")).toEqual([]);
    expect(first.graph.nodes.filter((n) => n.task?.endsWith("Dash.nap")).length).toBe(1);
    expect(first.status).toBe("running");
    expect(first.counts.done).toBeGreaterThan(0);
    const outcome = await early;
    expect(outcome.report.runId).toBe(id);
    const last = await until(d.url, id, (x) => x.status === "done" && x.counts.done === outcome.report.counts.finished);
    expect(first.counts.done).toBeLessThan(last.counts.done);
    expect(last.counts).toEqual({ total: 301, done: 301, failed: 0 });
    expect(new Set(last.tasks.map((t) => t.instanceId))).toEqual(new Set(outcome.report.tasks.map((t) => t.instanceId)));
    expect(last.tasks.every((t) => typeof t.worker === "string" && t.fetchMs !== undefined && t.configuration === "default")).toBe(true);

    // Started while the dashboard watches: the workers publish task events, so its stream shows tasks running.
    const live = runRemoteOutcome(mod, "naps", xs, url, { prefix: PREFIX }, { report: true });
    let liveId: string | undefined;
    while (!liveId) {
      const runs = (await (await fetch(new URL("/api/runs", d.url))).json()) as { id: string }[];
      liveId = runs.find((r) => r.id !== id)?.id;
      await new Promise((r) => setTimeout(r, 50));
    }
    const messages = await readEvents(new URL(`/api/runs/${liveId}/events`, d.url).href);
    const liveOutcome = await live;
    expect(liveOutcome.report.runId).toBe(liveId);
    expect(messages.at(-1)?.event).toBe("end");
    const updates = messages.filter((m) => m.event === "update").map((m) => decodeRunUpdate(JSON.parse(m.data) as RunUpdateWire));
    for (const u of updates) expect(SCHEMAS.update(u, "update")).toEqual([]);
    expect(updates.length).toBeGreaterThan(0);
    const final = await until(d.url, liveId, (x) => x.counts.done === 301);
    expect(final.status).toBe("done");
    // Workers published task events on the channel of the run started while the dashboard watched, none for the other.
    await spy.quit();
    expect(published.get(liveId)).toBeGreaterThan(0);
    expect(published.get(id)).toBeUndefined();
  });

  it("shows a live remote run's input, and a task's call arguments worked out from it while the run's keys last", async () => {
    const d = await dashboard(["--redis", url, "--prefix", PREFIX]);
    const earlier = new Set(((await (await fetch(new URL("/api/runs", d.url))).json()) as { id: string }[]).map((r) => r.id));
    const xs = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const running = runRemoteOutcome(mod, "naps", xs, url, { prefix: PREFIX }, { report: true });
    let run: { id: string } | undefined;
    while (!run) {
      run = ((await (await fetch(new URL("/api/runs", d.url))).json()) as { id: string }[]).find((r) => !earlier.has(r.id));
      await new Promise((r) => setTimeout(r, 20));
    }
    const live = await until(d.url, run.id, (x) => x.tasks.some((t) => t.name === "Dash.nap" && t.instanceId.endsWith("[7]")));
    expect(live.status).toBe("running");
    expect(revivePreview<number[]>(live.input!).slice(0, 3)).toEqual([1000, 1001, 1002]);
    const seventh = live.tasks.find((t) => t.name === "Dash.nap" && t.instanceId.endsWith("[7]"))!;
    const look = async () =>
      getJson<{ arguments?: ValuePreview; argumentsNote?: string }>(new URL(`/api/runs/${run.id}/tasks/${encodeURIComponent(seventh.instanceId)}`, d.url));
    expect(revivePreview((await look()).arguments!)).toEqual([1007]);
    await running;
    // The run's keys are gone with it: the dashboard says so instead of guessing.
    await until(d.url, run.id, (x) => x.status === "done");
    expect((await look()).argumentsNote).toMatch(/the run ended and its keys are gone|not kept/);
  });

  it("keeps at most --keep-tasks task instances of ended runs, their summaries all, and reads a dropped run's detail again while Redis keeps its metrics", async () => {
    const xs = Array.from({ length: 300 }, (_, i) => i);
    const first = await runRemoteOutcome(mod, "naps", xs, url, { prefix: PREFIX }, { report: true });
    const second = await runRemoteOutcome(mod, "naps", xs, url, { prefix: PREFIX }, { report: true });
    // Room for one of the two runs' 301 tasks: the one looked at least recently keeps its summary only.
    const d = await dashboard(["--redis", url, "--prefix", PREFIX, "--keep-tasks", "400"]);
    const ids = [first.report.runId, second.report.runId];
    for (const id of ids) await until(d.url, id, (x) => x.status === "done");
    const admin = new Redis(url);
    try {
      // The first run's metrics expire (as they do a day after it): its dropped tasks cannot be read again.
      await admin.del(`${PREFIX}:{${first.report.runId}}:metrics`);
    } finally {
      admin.disconnect();
    }
    const listed = (await (await fetch(new URL("/api/runs", d.url))).json()) as { id: string; tasks: { total: number; done: number } }[];
    for (const id of ids) expect(listed.find((r) => r.id === id)?.tasks).toEqual({ total: 301, done: 301, failed: 0 });
    // Each run in turn is looked at, so the other becomes the least recently looked at and is dropped.
    const a = (await detailOf(d.url, first.report.runId)) as Awaited<ReturnType<typeof detailOf>> & { tasksDropped?: string };
    const b = await detailOf(d.url, second.report.runId);
    expect(b?.tasks).toHaveLength(301);
    // Both ended before the dashboard started, their metadata (and the small manifest inside it) gone: the client
    // stored the manifest once by its hash at the end, so the compiled graph is drawn, edges and names.
    expect([...new Set(b!.tasks.map((t) => t.name))]).toEqual(["Dash.nap", "Dash.sum"]);
    expect(b!.graph.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(["Dash.nap", "Dash.sum"]));
    expect(b!.graph.edges.length).toBeGreaterThan(0);
    const again = (await detailOf(d.url, first.report.runId)) as typeof a;
    // The first run was dropped (to keep the second) and its metrics are gone: its summary stays, its detail says why it is empty.
    expect(a!.tasks.length === 301 || a!.tasksDropped !== undefined).toBe(true);
    expect(again!.counts).toEqual({ total: 301, done: 301, failed: 0 });
    expect(again!.tasks).toHaveLength(0);
    expect(again!.tasksDropped).toMatch(/dropped to bound the dashboard's memory/);
    // Looking at the second again reads its detail back from its metrics if it was dropped meanwhile.
    expect((await detailOf(d.url, second.report.runId))?.tasks).toHaveLength(301);
  });

  it("shows a failing remote run's error with its original stack", async () => {
    const d = await dashboard(["--redis", url, "--prefix", PREFIX]);
    const error = await runRemoteOutcome(mod, "exploding", [1, 2, 3], url, { prefix: PREFIX }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    const runs = (await (await fetch(new URL("/api/runs?status=failed", d.url))).json()) as { id: string; workflow: string }[];
    const run = runs.find((r) => r.workflow === "exploding") ?? (await waitForRun(d.url, "exploding"));
    const detail = await until(d.url, run.id, (x) => x.status === "failed" && x.tasks.some((t) => t.error?.stack));
    const failed = detail.tasks.find((t) => t.state === "failed");
    expect(failed?.error?.name).toBe("RangeError");
    expect(failed?.error?.message).toBe("exploded at 2");
    expect(failed?.error?.stack).toContain("at Dash.explode");
  });

  it("shows local runs recorded in a history file (--history)", async () => {
    const file = join(work.dir, "history.sqlite");
    const history = await createSqliteHistory(file);
    const { report } = await mod.handle<number[], number>("naps").run([1, 2, 3, 4], { report: true, concurrency: 2 });
    await history.record(historyRunOf(report));
    await history.close();
    const d = await dashboard(["--history", file]);
    const detail = await until(d.url, report.runId, (x) => x.status === "done");
    expect(SCHEMAS.run(detail, "run")).toEqual([]);
    expect(detail.counts).toEqual({ total: 5, done: 5, failed: 0 });
    const listed = (await (await fetch(new URL("/api/runs", d.url))).json()) as { id: string; source: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ id: report.runId, source: "history" }));
  });

  it("stops within its grace time on SIGTERM while its Redis is gone", async () => {
    const own = await startRedisServer();
    const d = await startDashboardProcess(["--redis", own.url]);
    await own.stop();
    // Its polls now wait on reconnections and fail.
    await new Promise((r) => setTimeout(r, 1_000));
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      d.child.once("exit", (c) => resolve(c));
      d.child.kill("SIGTERM");
    });
    expect(Date.now() - t0).toBeLessThan(4_500);
    expect(code).toBe(0);
  });

  it("runs at nice 10 by default (it yields to the runs on its machine), at the --nice asked for, and refuses a value out of 0-19", async () => {
    const niceOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
    const history = join(work.dir, "nice.sqlite");
    const byDefault = await dashboard(["--history", history]);
    expect(niceOf(byDefault.child.pid!)).toBe(10);
    const lowest = await dashboard(["--history", history, "--nice", "19"]);
    expect(niceOf(lowest.child.pid!)).toBe(19);
    await Promise.all([byDefault.stop(), lowest.stop()]);
    const refused = await runDashboardCli(["--history", history, "--port", "0", "--nice", "30"]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('--nice must be an integer from 0 to 19, got "30"');
  });

  it("refuses to bind beyond loopback without a token; with one, prints a ?token= link and enforces it", async () => {
    const refused = await runDashboardCli(["--redis", url, "--host", "0.0.0.0", "--port", "0"]);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain("TL_DASHBOARD_TOKEN");
    const d = await dashboard(["--redis", url, "--prefix", PREFIX, "--host", "0.0.0.0", "--token", "t0ken"]);
    expect(d.url.searchParams.get("token")).toBe("t0ken");
    const base = `http://127.0.0.1:${d.url.port}`;
    expect((await fetch(`${base}/api/runs`)).status).toBe(401);
    expect((await fetch(`${base}/api/runs?token=t0ken`)).status).toBe(200);
    expect((await fetch(`${base}/api/runs`, { headers: { authorization: "Bearer t0ken" } })).status).toBe(200);
  });
});

/** What a program records of a local run in its history (summary, report). */
function historyRunOf(report: RunReport) {
  const summary = {
    runId: report.runId,
    at: report.startedAt,
    workflow: report.workflow,
    executor: report.executor,
    planner: report.planner,
    status: report.status,
    makespanMs: report.makespanMs,
    gbSeconds: report.cost.gbSeconds,
    tasks: report.counts.tasks,
  };
  return { structure: report.structure, className: "Dash", summary, samples: [], transfers: [], lengths: {}, detail: { summary, report, truncated: false } };
}
