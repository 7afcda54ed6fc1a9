"use strict";
const token = new URLSearchParams(location.search).get("token");
const q = token ? `?token=${encodeURIComponent(token)}` : "";
const $ = (id) => document.getElementById(id);

async function load() {
  const params = new URLSearchParams();
  if (token) params.set("token", token);
  if ($("workflow").value) params.set("workflow", $("workflow").value);
  if ($("status").value) params.set("status", $("status").value);
  const runs = await (await fetch(`/api/runs?${params}`)).json();
  const known = new Set([...$("workflow").options].map((o) => o.value));
  for (const r of runs) if (!known.has(r.workflow)) $("workflow").add(new Option(r.workflow, r.workflow)), known.add(r.workflow);
  const body = $("runs").tBodies[0];
  body.replaceChildren(
    ...runs.map((r) => {
      const tr = document.createElement("tr");
      const p = r.predicted;
      const err = errorOf(r);
      const cells = [
        r.id,
        r.workflow,
        r.status,
        new Date(r.startedAt).toLocaleTimeString(),
        r.makespanMs === undefined ? "" : `${r.makespanMs} ms`,
        `${r.tasks.done} / ${r.tasks.failed} / ${r.tasks.total}`,
        r.planner,
        p ? `${Math.round(p.makespanMs)} ms (${p.sla})` : "",
        err === undefined ? "" : `${err >= 0 ? "+" : ""}${(100 * err).toFixed(1)} %`,
        p ? p.gbSeconds.toFixed(4) : "",
        r.gbSeconds === undefined ? "" : r.gbSeconds.toFixed(4),
      ];
      cells.forEach((text, i) => {
        const td = tr.insertCell();
        if (i === 0) {
          const a = document.createElement("a");
          a.href = `/runs/${encodeURIComponent(r.id)}${q}`;
          a.textContent = text;
          td.append(a);
        } else td.textContent = text;
      });
      tr.dataset.status = r.status;
      tr.dataset.run = r.id;
      return tr;
    }),
  );
  planners(runs);
}
/** A run's makespan error against its prediction ((actual − predicted) / predicted), once it ended. */
function errorOf(r) {
  if (!r.predicted || r.makespanMs === undefined || !(r.predicted.makespanMs > 0)) return undefined;
  return (r.makespanMs - r.predicted.makespanMs) / r.predicted.makespanMs;
}

/** The planners of the listed runs that ended: runs, median makespan and GB-s, prediction error, SLA hits. */
function planners(runs) {
  const by = new Map();
  for (const r of runs) if (r.makespanMs !== undefined && r.status === "done") (by.get(r.planner) ?? by.set(r.planner, []).get(r.planner)).push(r);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  $("planners").tBodies[0].replaceChildren(
    ...[...by].map(([planner, list]) => {
      const tr = document.createElement("tr");
      tr.dataset.planner = planner;
      const gbs = list.filter((r) => r.gbSeconds !== undefined).map((r) => r.gbSeconds);
      const planned = list.filter((r) => errorOf(r) !== undefined);
      const hits = planned.filter((r) => r.makespanMs <= r.predicted.makespanMs).length;
      Object.assign(tr.dataset, { runs: list.length, planned: planned.length, hits });
      const cells = [
        planner,
        list.length,
        `${median(list.map((r) => r.makespanMs))} ms`,
        gbs.length ? median(gbs).toFixed(4) : "n/a",
        planned.length,
        planned.length ? `${(100 * median(planned.map((r) => Math.abs(errorOf(r))))).toFixed(1)} %` : "n/a",
        planned.length ? `${hits} / ${planned.length}` : "n/a",
      ];
      for (const v of cells) tr.insertCell().textContent = String(v);
      return tr;
    }),
  );
}

/** The gateway's ledger, when the dashboard was started with --gateway. */
async function workers() {
  const res = await fetch(`/api/workers${q}`);
  if (!res.ok) return;
  const status = await res.json();
  $("workers-section").hidden = false;
  $("workers").tBodies[0].replaceChildren(
    ...status.workers.map((w) => {
      const tr = document.createElement("tr");
      tr.dataset.worker = w.id;
      tr.dataset.state = w.state;
      const exit = w.state === "exited" ? `code ${w.exitCode ?? "-"} ${w.exitSignal ?? ""}${w.stopReason ? ` (${w.stopReason})` : ""}${w.outOfMemory ? " OOM" : ""}` : "";
      for (const v of [w.id, w.config, w.pid, w.state, w.coldStartMs === null ? "warm" : `cold ${w.coldStartMs} ms`, w.tasksDone, w.tasks.map((t) => t.name ?? t.task).join(", "), exit]) tr.insertCell().textContent = String(v);
      return tr;
    }),
  );
}

$("workflow").onchange = load;
$("status").onchange = load;
load();
workers();
setInterval(() => (load(), workers()), 2000);
