import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { previewValue } from "../codec/value-preview.js";
import { DASHBOARD_ASSETS } from "./dashboard-assets.js";
import { DashboardError } from "./dashboard-error.js";
import { runDetailOf } from "./run-export.js";
import { inputsOf } from "./task-inputs.js";
import type { TaskArguments } from "./task-arguments.js";
import type { RunView } from "./run-view.js";
import { encodeRunUpdate } from "./update-wire.js";

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** Default 7430; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Any other address needs `token`. */
  host?: string;
  /** Required as `Authorization: Bearer <token>` or `?token=` on every request when set. */
  token?: string;
  /** Let the process exit while the server (and its open streams) runs (in-process dashboards). */
  unref?: boolean;
  /** Most updates per second a stream sends per run. Default 10. */
  maxUpdatesPerSecond?: number;
  /** What `GET /api/workers` answers (a worker gateway's ledger); 404 without it. */
  workers?: () => Promise<unknown>;
  /**
   * Task instances of ended runs kept in memory, at most (default {@link DEFAULT_KEPT_TASKS}): past
   * that, the runs looked at least recently keep their summary only, and their detail is read
   * again from their feed when asked for (see `RunView.dropTasks`).
   */
  keptTasks?: number;
}

/** Default of {@link DashboardServerOptions.keptTasks}: about 150-250 MB of task views. */
export const DEFAULT_KEPT_TASKS = 500_000;

/** A running dashboard: its URL (with the token when there is one), its runs, and `close()`. */
export interface DashboardServer {
  readonly url: string;
  /** The page of a run. */
  runUrl(runId: string): string;
  addRun(view: RunView): void;
  readonly runs: Map<string, RunView>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

/**
 * Serves the dashboard's pages and JSON API with node:http (see README, "Dashboard"):
 * `GET /api/runs`, `GET /api/runs/<id>`, `GET /api/runs/<id>/events` (Server-Sent Events).
 */
export async function startDashboardServer(options: DashboardServerOptions = {}): Promise<DashboardServer> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token;
  if (!LOOPBACK.has(host) && !token) {
    throw new DashboardError(
      "TL_DASHBOARD_TOKEN",
      `the dashboard may bind to ${host} (beyond loopback) only with a token (--token): its pages show task inputs and outputs`,
    );
  }
  const runs = new Map<string, RunView>();
  const reloading = new Map<string, Promise<RunView>>();
  const keptTasks = options.keptTasks ?? DEFAULT_KEPT_TASKS;
  const minGapMs = 1000 / (options.maxUpdatesPerSecond ?? 10);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) json(res, 500, { error: error.message });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://dashboard");
    if (token && req.headers.authorization !== `Bearer ${token}` && url.searchParams.get("token") !== token) {
      json(res, 401, { error: "missing or wrong token: send Authorization: Bearer <token> or ?token=<token>" });
      return;
    }
    const path = url.pathname;
    if (req.method !== "GET") return json(res, 405, { error: `${req.method} is not supported` });
    if (path === "/api/runs") {
      const workflow = url.searchParams.get("workflow");
      const status = url.searchParams.get("status");
      const list = [...runs.values()]
        .map((v) => v.summary())
        .filter((s) => (!workflow || s.workflow === workflow) && (!status || s.status === status))
        .sort((a, b) => b.startedAt - a.startedAt);
      return json(res, 200, list);
    }
    if (path === "/api/workers") {
      if (!options.workers) return json(res, 404, { error: "no worker gateway: start dag-dashboard with --gateway <host:port>" });
      return json(res, 200, await options.workers());
    }
    const inspected = /^\/api\/runs\/([^/]+)\/tasks\/([^/]+)$/.exec(path);
    if (inspected) {
      const view = await looked(decodeURIComponent(inspected[1] as string));
      const id = decodeURIComponent(inspected[2] as string);
      const task = view?.tasks.get(id);
      if (!view || !task) return json(res, 404, { error: `no task ${id} in run ${inspected[1]}` });
      const output = await view.readOutput?.(id).catch(() => undefined);
      const outputNote = view.readOutput
        ? "not stored (kept in a worker's memory, or the run's keys are gone)"
        : "not kept by this dashboard (local runs keep outputs in their process)";
      const [{ inputs, more }, args] = await Promise.all([
        inputsOf(view, id),
        view.readArguments?.(id).catch((error: Error): TaskArguments => ({ note: `not read: ${error.message}` })) ??
          ({ note: "not kept by this dashboard (the run's input is gone once a remote run ends)" } satisfies TaskArguments),
      ]);
      return json(res, 200, {
        task,
        ...("value" in args ? { arguments: { ...previewValue(args.value) } } : { argumentsNote: args.note }),
        ...(output ? { output: { ...previewValue(output.value) } } : { outputNote }),
        inputs,
        ...(more > 0 ? { moreInputs: more } : {}),
        logs: view.logs.of(id),
      });
    }
    const api = /^\/api\/runs\/([^/]+)(\/events)?$/.exec(path);
    if (api) {
      const view = await looked(decodeURIComponent(api[1] as string));
      if (!view) return json(res, 404, { error: `no run ${api[1]}` });
      if (!api[2]) return json(res, 200, runDetailOf(view));
      const since = Number(req.headers["last-event-id"] ?? url.searchParams.get("lastEventId") ?? 0) || 0;
      return stream(req, res, view, since);
    }
    if (path === "/" || /^\/runs\/[^/]+$/.test(path)) return asset(res, path === "/" ? "runs.html" : "run.html");
    const file = /^\/assets\/([a-z-]+\.(?:js|css))$/.exec(path);
    if (file) return asset(res, file[1] as string);
    json(res, 404, { error: `no page ${path}` });
  }

  /** The run a page or the API asks for: a dropped one's detail read again from its feed (once for concurrent asks). */
  async function looked(id: string): Promise<RunView | undefined> {
    const view = runs.get(id);
    if (!view) return undefined;
    view.lastLookedAt = Date.now();
    if (!view.dropped || !view.reload) return view;
    let pending = reloading.get(id);
    if (!pending) {
      pending = view.reload().then(
        (fresh) => {
          if (fresh && runs.get(id) === view) {
            fresh.lastLookedAt = Date.now();
            fresh.reload ??= view.reload;
            runs.set(id, fresh);
            soonBound();
          }
          return fresh ?? view;
        },
        () => view,
      );
      reloading.set(id, pending);
      void pending.finally(() => reloading.delete(id));
    }
    return pending;
  }

  let boundDue = false;
  /** A bound check at the next turn (coalesced). */
  function soonBound(): void {
    if (boundDue) return;
    boundDue = true;
    setImmediate(() => {
      boundDue = false;
      bound();
    });
  }

  /** A run's end (its tasks now count against the bound) checks the bound. */
  function watchEnd(view: RunView): void {
    if (view.status !== "running") {
      soonBound();
      return;
    }
    const stop = view.onChange(() => {
      if (view.status === "running") return;
      stop();
      soonBound();
    });
  }

  /** Drops the tasks of the ended runs looked at least recently while those kept exceed the bound. */
  function bound(): void {
    const ended = [...runs.values()].filter((v) => v.status !== "running" && !v.dropped);
    let kept = ended.reduce((n, v) => n + v.tasks.size, 0);
    if (kept <= keptTasks) return;
    ended.sort((a, b) => a.lastLookedAt - b.lastLookedAt || a.startedAt - b.startedAt);
    for (const v of ended) {
      if (kept <= keptTasks) break;
      kept -= v.tasks.size;
      v.dropTasks();
    }
  }

  function stream(req: IncomingMessage, res: ServerResponse, view: RunView, since: number): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    let sent = since;
    let lastAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      lastAt = Date.now();
      const update = view.changesSince(sent);
      if (update.seq !== sent || sent === since) {
        res.write(`id: ${update.seq}\nevent: update\ndata: ${JSON.stringify(encodeRunUpdate(update))}\n\n`);
        sent = update.seq;
      }
      if (view.status !== "running") {
        res.end(`event: end\ndata: ${JSON.stringify(view.status)}\n\n`);
        stop();
      }
    };
    const schedule = (): void => {
      if (!timer) timer = setTimeout(flush, Math.max(0, lastAt + minGapMs - Date.now()));
    };
    const unlisten = view.onChange(schedule);
    const stop = (): void => {
      unlisten();
      if (timer) clearTimeout(timer);
    };
    req.on("close", stop);
    flush();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new DashboardError("TL_DASHBOARD_LISTEN", `the dashboard cannot listen on ${host}:${options.port ?? 7430}: ${error.message}`)),
    );
    server.listen(options.port ?? 7430, host, () => resolve());
  });
  if (options.unref) {
    server.unref();
    server.on("connection", (socket) => socket.unref());
  }
  const port = (server.address() as AddressInfo).port;
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const withToken = (path: string): string => `${base}${path}${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  return {
    url: withToken("/"),
    runUrl: (runId) => withToken(`/runs/${encodeURIComponent(runId)}`),
    addRun: (view) => {
      runs.set(view.id, view);
      // Only ended runs count against the bound: it is checked when each one ends (or is added ended).
      watchEnd(view);
    },
    runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function asset(res: ServerResponse, name: string): Promise<void> {
  const body = await readFile(new URL(name, DASHBOARD_ASSETS));
  res.writeHead(200, { "content-type": TYPES[name.split(".").pop() as string] ?? "application/octet-stream" });
  res.end(body);
}
