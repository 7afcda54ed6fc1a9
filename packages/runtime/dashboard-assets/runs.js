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
      const cells = [r.id, r.workflow, r.status, new Date(r.startedAt).toLocaleTimeString(), r.makespanMs === undefined ? "" : `${r.makespanMs} ms`, `${r.tasks.done} / ${r.tasks.failed} / ${r.tasks.total}`, r.planner];
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
      return tr;
    }),
  );
}
$("workflow").onchange = load;
$("status").onchange = load;
load();
setInterval(load, 2000);
