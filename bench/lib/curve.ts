/**
 * A scenario's outcome: for each agent that should learn of the change, how long after the
 * triggering action it did (or null if it never did within the timeout), and the times until
 * 50 %, 99 % and 100 % of them had it.
 */

/** Times to fractions of the agents, in ms from the trigger. */
export interface Curve {
  /** Per-agent delays, sorted ascending; agents that never saw it are left out. */
  readonly delaysMs: readonly number[];
  /** Agents that should have seen it. */
  readonly total: number;
  readonly t50Ms: number | null;
  readonly t99Ms: number | null;
  readonly t100Ms: number | null;
}

/** The delay by which `fraction` of `total` agents had it (the ceil(fraction × total)-th). */
export function timeToFraction(sorted: readonly number[], total: number, fraction: number): number | null {
  const needed = Math.max(1, Math.ceil(fraction * total - 1e-9));
  return needed <= sorted.length ? (sorted[needed - 1] ?? null) : null;
}

/** Builds a curve from per-agent arrival times (ms) relative to `t0Ms`; negatives count as 0. */
export function curveOf(arrivalsMs: readonly (number | undefined)[], t0Ms: number): Curve {
  const delays = arrivalsMs
    .filter((t): t is number => t !== undefined)
    .map((t) => Math.max(0, t - t0Ms))
    .sort((a, b) => a - b);
  const total = arrivalsMs.length;
  return {
    delaysMs: delays,
    total,
    t50Ms: timeToFraction(delays, total, 0.5),
    t99Ms: timeToFraction(delays, total, 0.99),
    t100Ms: timeToFraction(delays, total, 1),
  };
}

/** Median of the non-null values (null if none); with an even count, the mean of the middle two. */
export function median(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? null) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

/** Smallest and largest non-null value. */
export function range(values: readonly (number | null)[]): { min: number | null; max: number | null } {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? { min: null, max: null } : { min: Math.min(...v), max: Math.max(...v) };
}
