import type { Stats } from "./stats.js";

/** One line of a benchmark table: a figure, or a reason why it is missing. */
export interface Row {
  /** What was measured, e.g. `S1 tree 1,024 leaves`. */
  shape: string;
  /** Who ran it, e.g. `piscina naive (2 threads)`. */
  system: string;
  /** Timings, or a string saying why there are none (`n/a (python3-dask not installed)`). */
  stats: Stats | string;
  /**
   * Systems (rows of the same shape) that this row is compared with. Each ratio printed is
   * baseline median / this median: above 1 means this row is faster.
   */
  baselines?: string[];
  /** Work items, to print a per-task cost (µs per task). */
  tasks?: number;
  /**
   * Ratios measured round by round against a baseline run alternately with this row (see
   * `measurePair`), by baseline system: printed instead of the ratio of medians.
   */
  paired?: Record<string, Stats>;
}

function ratio(x: number): string {
  return x >= 0.1 ? x.toFixed(2) : x.toPrecision(2);
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * Formats rows as an aligned text table: shape, system, median [min–max] ms, µs per task and the
 * ratio against the row's baseline (same shape, measured in the same run).
 */
export function formatTable(rows: readonly Row[]): string {
  const header = ["shape", "system", "median ms", "min–max ms", "µs/task", "tasks/s", "speed-up (baseline median / median, or paired rounds)"];
  const lines = rows.map((row) => {
    if (typeof row.stats === "string") return [row.shape, row.system, "n/a", "", "", "", row.stats.replace(/^n\/a \((.*)\)$/, "$1")];
    const s = row.stats;
    const ratios = (row.baselines ?? [])
      .map((name) => {
        const base = rows.find((r) => r.shape === row.shape && r.system === name);
        const pair = row.paired?.[name];
        if (pair) return `${ratio(pair.median)}× vs ${name} (median of ${pair.runs} paired rounds, ${ratio(pair.min)}–${ratio(pair.max)})`;
        if (base === undefined || typeof base.stats === "string") return `n/a vs ${name}`;
        return `${ratio(base.stats.median / s.median)}× vs ${name}`;
      })
      .join(", ");
    const perTask = row.tasks === undefined ? "" : ((s.median * 1000) / row.tasks).toFixed(1);
    const perSecond = row.tasks === undefined ? "" : Math.round((row.tasks * 1000) / s.median).toLocaleString("en-US");
    return [row.shape, row.system, ms(s.median), `${ms(s.min)}–${ms(s.max)}`, perTask, perSecond, ratios];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}
