import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeLocalPools,
  DashboardError,
  decodeRunUpdate,
  revivePreview,
  type ValuePreview,
  startDashboardServer,
  type RunUpdateWire,
  type TaskView,
  type WorkflowHandle,
} from "@taskloom/runtime";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { readEvents, SCHEMAS } from "./dashboard-client.js";

const work = createWorkDir();
let mod: CompiledModule;

beforeAll(async () => {
  const compiled = await compileForTest(work.dir, [{ dir: join(import.meta.dirname, "fixtures"), entry: "dashboard-tasks.ts", name: "dash" }]);
  mod = compiled.get("dash") as CompiledModule;
});

afterAll(async () => {
  await closeLocalPools();
  work.dispose();
});

/** Starts a run with `dashboard: true` and returns its page URL (printed on stderr) and its promise. */
async function runWithDashboard<I>(handle: WorkflowHandle<I, unknown>, input: I): Promise<{ url: URL; done: Promise<unknown> }> {
  const write = process.stderr.write.bind(process.stderr);
  let printed: (url: string) => void = () => {};
  const seen = new Promise<string>((r) => (printed = r));
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const m = /taskloom dashboard: (\S+)/.exec(String(chunk));
    if (m) printed(m[1] as string);
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const done = handle.run(input, { dashboard: true, concurrency: 2, report: true }).then(
      (o) => o,
      (e: unknown) => e,
    );
    return { url: new URL(await seen), done };
  } finally {
    process.stderr.write = write;
  }
}

describe("dashboard API", () => {
  it("refuses to bind beyond loopback without a token, and enforces the token", async () => {
    await expect(startDashboardServer({ host: "0.0.0.0", port: 0 })).rejects.toSatisfy((e) => e instanceof DashboardError && e.code === "TL_DASHBOARD_TOKEN");
    const server = await startDashboardServer({ host: "0.0.0.0", port: 0, token: "s3cret" });
    try {
      const base = server.url.replace("0.0.0.0", "127.0.0.1").split("?")[0] as string;
      expect(server.url).toContain("?token=s3cret");
      expect((await fetch(`${base}api/runs`)).status).toBe(401);
      expect((await fetch(`${base}api/runs?token=wrong`)).status).toBe(401);
      expect((await fetch(`${base}`)).status).toBe(401);
      const bearer = await fetch(`${base}api/runs`, { headers: { authorization: "Bearer s3cret" } });
      expect(bearer.status).toBe(200);
      expect(SCHEMAS.runs(await bearer.json(), "runs")).toEqual([]);
      expect((await fetch(`${base}api/runs?token=s3cret`)).status).toBe(200);
      expect((await fetch(`${base}?token=s3cret`)).headers.get("content-type")).toContain("text/html");
    } finally {
      await server.close();
    }
  });

  it("shows a local run's task running while its thread runs it, then done", async () => {
    const { url, done } = await runWithDashboard(mod.handle<number[], number>("slowStart"), [1, 2, 3]);
    const api = url.href.replace("/runs/", "/api/runs/");
    // The first task pauses 2 s on its thread: the page shows it running meanwhile, not ready.
    let state: string | undefined;
    for (const deadline = Date.now() + 1_500; state !== "running" && Date.now() < deadline; ) {
      const detail = (await (await fetch(api)).json()) as { tasks: TaskView[] };
      state = detail.tasks.find((t) => t.task.endsWith("Dash.pause"))?.state;
      if (state !== "running") await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toBe("running");
    const outcome = (await done) as { result: number };
    expect(outcome.result).toBe(6);
    const after = (await (await fetch(api)).json()) as { tasks: TaskView[]; status: string };
    expect(after.status).toBe("done");
    expect(after.tasks.every((t) => t.state === "done")).toBe(true);
  });

  it("serves a live local run: graph before tasks, SSE with sequence ids, a resume with Last-Event-ID loses nothing, at most 10 updates/s", async () => {
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const { url, done } = await runWithDashboard(mod.handle<number[], number>("naps"), xs);
    const runId = decodeURIComponent(url.pathname.split("/").pop() as string);
    const api = `${url.origin}/api/runs/${encodeURIComponent(runId)}`;
    const detail = (await (await fetch(api)).json()) as { graph: { nodes: { task?: string }[] }; tasks: TaskView[]; status: string };
    expect(SCHEMAS.run(detail, "run")).toEqual([]);
    expect(detail.graph.nodes.filter((n) => n.task?.endsWith("Dash.nap")).length).toBe(1);
    const listed = (await (await fetch(`${url.origin}/api/runs?workflow=naps`)).json()) as { id: string }[];
    expect(listed.map((r) => r.id)).toContain(runId);
    const startedAt = Date.now();
    const first = await readEvents(`${api}/events`, { stopAfter: 2 });
    const lastId = first.at(-1)?.id as string;
    const rest = await readEvents(`${api}/events`, { lastEventId: lastId });
    const elapsedS = (Date.now() - startedAt) / 1000;
    const outcome = (await done) as { report: { runId: string; counts: { tasks: number }; tasks: { instanceId: string }[] } };
    // The report names the run whose page is /runs/<runId>.
    expect(outcome.report.runId).toBe(runId);
    expect(url.pathname).toBe(`/runs/${runId}`);
    expect(rest.at(-1)?.event).toBe("end");
    const wires = [...first, ...rest].filter((m) => m.event === "update").map((m) => JSON.parse(m.data) as RunUpdateWire);
    for (const w of wires) expect(SCHEMAS.updateWire(w, "update")).toEqual([]);
    const updates = wires.map(decodeRunUpdate);
    for (const u of updates) expect(SCHEMAS.update(u, "update")).toEqual([]);
    const ids = updates.map((u) => u.seq);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const final = new Map<string, TaskView>();
    for (const u of updates) for (const t of u.tasks) final.set(t.instanceId, t);
    expect(final.size).toBe(outcome.report.counts.tasks);
    expect([...final.values()].every((t) => t.state === "done" && t.worker === "local")).toBe(true);
    expect(new Set(final.keys())).toEqual(new Set(outcome.report.tasks.map((t) => t.instanceId)));
    // Coalescing: a 41-task run of ~0.3 s sends a handful of updates, never more than 10 per second per stream.
    expect(rest.filter((m) => m.event === "update").length).toBeLessThanOrEqual(Math.ceil(elapsedS * 10) + 2);
    const after = (await (await fetch(api)).json()) as { status: string; counts: { total: number; done: number } };
    expect(after.status).toBe("done");
    expect(after.counts).toMatchObject({ total: 41, done: 41 });
  });

  it("shows a failing task's error with its original stack", async () => {
    const { url, done } = await runWithDashboard(mod.handle<number[], number>("exploding"), [1, 2, 3]);
    const error = (await done) as Error;
    expect(error).toBeInstanceOf(Error);
    const runId = decodeURIComponent(url.pathname.split("/").pop() as string);
    const detail = (await (await fetch(`${url.origin}/api/runs/${encodeURIComponent(runId)}`)).json()) as { status: string; tasks: TaskView[] };
    expect(SCHEMAS.run(detail, "run")).toEqual([]);
    expect(detail.status).toBe("failed");
    const failed = detail.tasks.find((t) => t.state === "failed");
    expect(failed?.error?.name).toBe("RangeError");
    expect(failed?.error?.message).toBe("exploded at 2");
    expect(failed?.error?.stack).toContain("dashboard-tasks");
  });

  it("shows the run's input and result with their types (Map, Set, Date, BigInt), bounded in size", async () => {
    const words = [...Array.from({ length: 3000 }, (_, i) => `w${i}`), "a", "b", "a"];
    const { url, done } = await runWithDashboard(mod.handle<string[], Map<string, Set<number>>>("indexing"), words);
    const outcome = (await done) as { result: Map<string, Set<number>> };
    expect(outcome.result.get("a")).toEqual(new Set([3000, 3002]));
    const runId = decodeURIComponent(url.pathname.split("/").pop() as string);
    const text = await (await fetch(`${url.origin}/api/runs/${encodeURIComponent(runId)}`)).text();
    const detail = JSON.parse(text) as { input: ValuePreview; output: ValuePreview };
    expect(SCHEMAS.run(detail, "run")).toEqual([]);
    // 3,003 words: the preview keeps the first ones and says how many more there were, within its bound.
    expect(detail.input.truncated).toBe(true);
    expect(detail.input.size).toBeLessThanOrEqual(4096);
    expect(text.length).toBeLessThan(20_000);
    const input = revivePreview<string[]>(detail.input);
    expect(input.slice(0, 2)).toEqual(["w0", "w1"]);
    expect(input.at(-1)).toMatch(/^… \d+ more items$/);
    const output = revivePreview<Map<string, Set<number>>>(detail.output);
    expect(output).toBeInstanceOf(Map);
    expect(output.get("w0")).toEqual(new Set([0]));
    expect([...output.keys()].at(-1)).toBe("…");
  });

  it("shows a task's call arguments worked out from the run's input, other tasks' outputs named", async () => {
    const xs = [30, 31, 32, 33];
    const { url, done } = await runWithDashboard(mod.handle<number[], number>("slowStart"), xs);
    const outcome = (await done) as { result: number; report: { tasks: { instanceId: string; name: string }[] } };
    expect(outcome.result).toBe(126);
    const base = `${url.origin}/api/runs/${encodeURIComponent(decodeURIComponent(url.pathname.split("/").pop() as string))}`;
    const detailOf = async (id: string) =>
      (await (await fetch(`${base}/tasks/${encodeURIComponent(id)}`)).json()) as { arguments?: ValuePreview; argumentsNote?: string };
    const [pause] = outcome.report.tasks.filter((t) => t.name === "Dash.pause");
    const third = outcome.report.tasks.find((t) => t.name === "Dash.napAfter" && t.instanceId.endsWith("[2]"))!;
    const sum = outcome.report.tasks.find((t) => t.name === "Dash.sum")!;
    // A constant; an element of the input beside another task's output; a collection of outputs.
    expect(revivePreview((await detailOf(pause!.instanceId)).arguments!)).toEqual([2000]);
    expect(revivePreview((await detailOf(third.instanceId)).arguments!)).toEqual([32, { "output of": pause!.instanceId }]);
    const sumArgs = revivePreview<[{ "output of": string }[]]>((await detailOf(sum.instanceId)).arguments!);
    expect(sumArgs[0]).toHaveLength(4);
    expect(sumArgs[0]![2]).toEqual({ "output of": third.instanceId });
  });

  it("shows a failing task's own error fields with their types", async () => {
    const { url, done } = await runWithDashboard(mod.handle<number, number>("quota"), 1);
    expect(((await done) as Error).name).toBe("TaskFailedError");
    const runId = decodeURIComponent(url.pathname.split("/").pop() as string);
    const detail = (await (await fetch(`${url.origin}/api/runs/${encodeURIComponent(runId)}`)).json()) as {
      tasks: TaskView[];
      input: ValuePreview;
      output?: unknown;
    };
    expect(SCHEMAS.run(detail, "run")).toEqual([]);
    expect(revivePreview(detail.input)).toBe(1);
    expect(detail.output).toBeUndefined();
    const failed = detail.tasks.find((t) => t.state === "failed");
    expect(failed?.error?.name).toBe("QuotaError");
    expect(revivePreview(failed?.error?.fields as ValuePreview)).toEqual({ code: "E_QUOTA", used: new Map([["cpu", 3n]]), at: new Date(0) });
  });
});
