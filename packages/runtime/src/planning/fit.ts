/**
 * Small statistics for predictions: quantiles of times, and a least-squares line with an intercept
 * (`y = a + b × x`), whose SLA value at `x` is the line plus the quantile of the residuals: a
 * percentile taken on times, never on speeds.
 */

/** The `q` quantile (0 … 1) of `values` by linear interpolation; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** A fitted model of `y` given `x`, with the SLA applied. */
export interface LinearModel {
  /** Intercept and slope of the fitted line (slope 0 when `x` does not explain `y`). */
  a: number;
  b: number;
  /** Added to the line for the SLA: the quantile of the residuals (0 for the mean). */
  offset: number;
  samples: number;
  /** Whether the line was fitted (sizes varied enough) or is a constant (mean or quantile of `y`). */
  fitted: boolean;
}

/** Fewer samples than this, or sizes varying less than {@link MIN_SPREAD}, give a constant model. */
export const MIN_FIT_SAMPLES = 4;
/** Coefficient of variation of `x` below which the sizes "do not vary". */
export const MIN_SPREAD = 0.1;

/**
 * Fits `y = a + b × x` by least squares with an intercept, over samples `(xs[i], ys[i])`.
 * With few samples, or sizes that do not vary, the model is the constant mean (or quantile) of `y`.
 * A negative slope (a task faster on larger inputs is noise) is refitted as a constant.
 * @param q - the SLA quantile (0.5 … 0.99), or undefined for the mean.
 * @example
 * ```ts
 * const m = fitLinear([100, 200, 300, 400], [12, 22, 32, 42], undefined); // a = 2, b = 0.1
 * predictLinear(m, 1000); // 102
 * ```
 */
export function fitLinear(xs: readonly number[], ys: readonly number[], q: number | undefined): LinearModel {
  const n = Math.min(xs.length, ys.length);
  if (n === 0) return { a: 0, b: 0, offset: 0, samples: 0, fitted: false };
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - my);
  }
  const sd = Math.sqrt(sxx / n);
  const constant = (): LinearModel => {
    const y = ys.slice(0, n);
    return { a: q === undefined ? my : quantile(y, q), b: 0, offset: 0, samples: n, fitted: false };
  };
  if (n < MIN_FIT_SAMPLES || mx <= 0 || sd / mx < MIN_SPREAD || sxx === 0) return constant();
  const b = sxy / sxx;
  if (!(b > 0)) return constant();
  const a = my - b * mx;
  let offset = 0;
  if (q !== undefined) {
    const residuals = new Array<number>(n);
    for (let i = 0; i < n; i++) residuals[i] = ys[i]! - (a + b * xs[i]!);
    offset = quantile(residuals, q);
  }
  return { a, b, offset, samples: n, fitted: true };
}

/** The model's value at `x`, never below 0. */
export function predictLinear(m: LinearModel, x: number): number {
  return Math.max(0, m.a + m.b * x + m.offset);
}
