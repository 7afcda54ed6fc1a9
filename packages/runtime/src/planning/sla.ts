import { InvalidOptionError } from "@taskloom/sdk";

/**
 * What a plan predicts: the mean, or a percentile of times (`p90`: 90 % of the samples are at most
 * this long). Percentiles are always taken on times (durations), never on speeds.
 */
export type Sla = "mean" | `p${number}`;

/** Validates an SLA option (`mean`, `p50` … `p99`); the message names the option and the value. */
export function parseSla(value: unknown, option = "options.sla"): Sla {
  if (value === "mean") return "mean";
  if (typeof value === "string") {
    const m = /^p([5-9][0-9])$/.exec(value);
    if (m) return value as Sla;
  }
  throw new InvalidOptionError(`${option} must be "mean" or a percentile "p50" … "p99", got ${JSON.stringify(value)}`);
}

/** The quantile (0.5 … 0.99) of a percentile SLA, or undefined for `mean`. */
export function slaQuantile(sla: Sla): number | undefined {
  return sla === "mean" ? undefined : Number(sla.slice(1)) / 100;
}
