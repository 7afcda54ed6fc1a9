import { GatewayError } from "./gateway-error.js";
import type { GatewayStatus } from "./gateway.js";

/** Fetches a running gateway's status from `http://<host>:<port>/status`. */
export async function fetchGatewayStatus(port: number, host = "127.0.0.1"): Promise<GatewayStatus> {
  try {
    const response = await fetch(`http://${host}:${port}/status`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as GatewayStatus;
  } catch (cause) {
    throw new GatewayError("TL_GATEWAY_STATUS", `no gateway answers on http://${host}:${port}/status (${(cause as Error).message})`, { cause });
  }
}

/** Renders a status as the table `dag-gateway status` prints. */
export function formatGatewayStatus(status: GatewayStatus): string {
  const lines = [`gateway since ${status.startedAt}${status.stopping ? " (stopping)" : ""}, over-commits: ${status.overCommits}`];
  for (const c of status.configurations) {
    lines.push(
      `configuration ${c.name}: ${c.memoryMb} MB, ${c.cpus ? `${c.cpus.cores} cpus (${c.cpus.enforced ? c.cpus.detail : c.cpus.detail.replace(/^not enforced/, "NOT ENFORCED")}), ` : ""}${c.threads} thread(s), ${c.live}/${c.maxWorkers} workers, ` +
        `keep-alive ${c.keepAliveMs} ms, queue: ${c.waiting} waiting, ${c.orphaned} orphaned`,
    );
  }
  lines.push("", ["worker", "pid", "state", "cold ms", "done", "max held", "cpu quota", "tasks / exit"].join("\t"));
  for (const w of status.workers) {
    const detail =
      w.state === "exited"
        ? `code ${w.exitCode ?? "-"} signal ${w.exitSignal ?? "-"}${w.stopReason ? ` (${w.stopReason})` : ""}${w.outOfMemory ? " OOM" : ""}`
        : w.tasks.map((t) => `${t.run}/${t.task} ${t.runningMs} ms`).join(", ") + (w.stalled ? " STALLED" : "");
    const quota = w.cpuQuota === null ? "-" : w.cpuQuota.startsWith("not enforced") ? "not enforced" : w.cpuQuota.replace(/ \(.*\)$/, "");
    lines.push([w.id, w.pid, w.state, w.coldStartMs ?? "-", w.tasksDone, `${w.maxHeld}/${w.concurrency}`, quota, detail].join("\t"));
  }
  return lines.join("\n");
}
