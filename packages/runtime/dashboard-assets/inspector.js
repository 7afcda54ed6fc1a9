"use strict";
// The task inspector's data from GET /api/runs/<id>/tasks/<instanceId> (views.js calls it): its
// call arguments as the run's input gives them (other tasks' outputs named), the upstream
// instances whose outputs are its inputs (sizes, where they live, a superjson preview), and its
// log lines (relayed by a worker gateway) with the gateway's notices.
function inspectorDetail(box, detail) {
  const parts = [];
  const args = document.createElement("pre");
  args.id = "inspector-arguments";
  args.className = "preview";
  args.textContent = detail.arguments ? previewText("arguments", detail.arguments) : `arguments: ${detail.argumentsNote ?? "not available"}`;
  parts.push(args);
  const inputs = detail.inputs ?? [];
  const h = document.createElement("h4");
  h.textContent = `inputs (${inputs.length}${detail.moreInputs ? ` + ${detail.moreInputs} more` : ""} upstream instances)`;
  parts.push(h);
  const table = document.createElement("table");
  table.id = "inspector-inputs";
  for (const i of inputs) {
    const tr = table.insertRow();
    tr.dataset.instance = i.instanceId;
    tr.dataset.where = i.where;
    const size = i.outputBytes === undefined ? "size not measured yet" : `${i.outputBytes} B${i.storedBytes ? `, ${i.storedBytes} B stored` : ""}`;
    for (const v of [`${i.name} (${i.instanceId})`, i.state, size, i.where, i.preview ? previewText("value", i.preview) : ""]) tr.insertCell().textContent = v;
  }
  if (inputs.length === 0) parts.push(Object.assign(document.createElement("p"), { textContent: "no upstream task (its arguments come from the run's input or constants)" }));
  else parts.push(table);
  const logs = detail.logs ?? [];
  const lh = document.createElement("h4");
  lh.textContent = `log lines (${logs.length})`;
  const pre = document.createElement("pre");
  pre.className = "logs";
  pre.textContent = logs.length
    ? logs.map((l) => `${new Date(l.at).toISOString().slice(11, 23)} ${l.worker}${l.stream === "out" ? "" : ` ${l.stream}`} ${l.line}`).join("\n")
    : "none (lines are relayed when a worker gateway runs the workers)";
  parts.push(lh, pre);
  box.append(...parts);
}
