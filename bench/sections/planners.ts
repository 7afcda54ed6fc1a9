/**
 * The `planners` section: planning time of each built-in planner on the critical-path workload at
 * 1,000 and 10,000 instances (median of the timed runs after warm-up, alternating planners each
 * round), with the process CPU time it took (GC threads included) and the time the planning
 * thread waited for a core on the kernel's run queue (Linux `/proc/thread-self/schedstat`; planning
 * is synchronous and does no I/O, so wall ≈ CPU + that wait: on a busy machine the wall time waits
 * for a core, CPU time does not), and the plan's predicted makespan and cost. Goal: under 100 ms
 * (wall) at 10,000 instances.
 */
import { readFileSync } from "node:fs";
import { PLANNERS, type Planner } from "@taskloom/runtime";
import { criticalPathInput } from "../lib/plan-workload.js";
import { summarize, type MeasureOptions } from "../lib/stats.js";

const SIZES = [1_000, 10_000];
const GOAL_MS = 100;

/** Nanoseconds this thread has waited on a run queue so far (undefined where the kernel does not say). */
function runQueueWaitNs(): number | undefined {
  try {
    const wait = Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[1]);
    return Number.isFinite(wait) ? wait : undefined;
  } catch {
    return undefined;
  }
}

function timeOnce(
  planner: Planner,
  input: ReturnType<typeof criticalPathInput>,
): { ms: number; cpuMs: number; waitMs: number | undefined; makespanMs: number; gbSeconds: number } {
  const waited = runQueueWaitNs();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { report } = planner.plan(input);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const waitedAfter = runQueueWaitNs();
  const waitMs = waited !== undefined && waitedAfter !== undefined ? (waitedAfter - waited) / 1e6 : undefined;
  const cpuMs = (used.user + used.system) / 1000;
  if (Object.keys(report.tasks).length !== input.graph.size)
    throw new Error(`${planner.name}: planned ${Object.keys(report.tasks).length} of ${input.graph.size} instances`);
  return { ms, cpuMs, waitMs, makespanMs: report.predictedMakespanMs, gbSeconds: report.predictedCost.gbSeconds };
}

export function benchPlanners(options: MeasureOptions): string[] {
  const planners = Object.values(PLANNERS);
  const lines: string[] = [];
  for (const size of SIZES) {
    const input = criticalPathInput(size);
    for (let w = 0; w < (options.warmup ?? 1); w++) for (const p of planners) timeOnce(p, input);
    const times = new Map<string, number[]>(planners.map((p) => [p.name, []]));
    const cpuTimes = new Map<string, number[]>(planners.map((p) => [p.name, []]));
    const waits = new Map<string, number[]>(planners.map((p) => [p.name, []]));
    const last = new Map<string, { makespanMs: number; gbSeconds: number }>();
    for (let r = 0; r < (options.runs ?? 5); r++) {
      const order = r % 2 === 0 ? planners : [...planners].reverse();
      for (const p of order) {
        const t = timeOnce(p, input);
        times.get(p.name)!.push(t.ms);
        cpuTimes.get(p.name)!.push(t.cpuMs);
        if (t.waitMs !== undefined) waits.get(p.name)!.push(t.waitMs);
        last.set(p.name, t);
      }
    }
    const uniform = summarize(times.get("uniform")!).median;
    for (const p of planners) {
      const s = summarize(times.get(p.name)!);
      const plan = last.get(p.name)!;
      const cpu = summarize(cpuTimes.get(p.name)!).median;
      const waited = waits.get(p.name)!;
      const wait = waited.length > 0 ? `, waiting for a core ${summarize(waited).median.toFixed(1)} ms` : "";
      const goal = size === 10_000 ? `; goal < ${GOAL_MS} ms: ${s.median < GOAL_MS ? "met" : "NOT met"}` : "";
      lines.push(
        `planning ${input.graph.size.toLocaleString("en-US")} instances, ${p.name}: ${s.median.toFixed(1)} ms (median of ${s.runs}, ${s.min.toFixed(1)}–${s.max.toFixed(1)}; ` +
          `${(s.median / uniform).toFixed(2)}× uniform's; CPU ${cpu.toFixed(1)} ms${wait}) → predicted ${plan.makespanMs.toFixed(0)} ms, ${plan.gbSeconds.toFixed(2)} GB-s${goal}`,
      );
    }
  }
  return lines;
}
