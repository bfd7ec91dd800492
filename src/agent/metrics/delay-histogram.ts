/**
 * A fixed-bucket histogram of propagation delays that can be shown as JSON (prom-client's
 * histograms can only be read back asynchronously and in its own shape). Buckets follow the
 * gossip time scale: a round is 50 to 500 ms, convergence takes a few rounds to seconds.
 */

/** Upper bounds (ms) of the buckets; the last bucket is unbounded. */
export const DELAY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000] as const;

/** JSON form: cumulative counts per upper bound, as Prometheus histograms are. */
export interface DelayHistogramJson {
  readonly Count: number;
  readonly SumMs: number;
  readonly MaxMs: number;
  readonly Buckets: readonly { readonly LeMs: number | "+Inf"; readonly Count: number }[];
}

/** Counts observations into {@link DELAY_BUCKETS_MS}. */
export class DelayHistogram {
  private readonly counts = new Array<number>(DELAY_BUCKETS_MS.length + 1).fill(0);
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;

  /** Records one delay; negative delays (clock skew between hosts) count as 0. */
  observe(delayMs: number): void {
    const d = Math.max(0, delayMs);
    let i = DELAY_BUCKETS_MS.findIndex((le) => d <= le);
    if (i < 0) i = DELAY_BUCKETS_MS.length;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sumMs += d;
    if (d > this.maxMs) this.maxMs = d;
  }

  /** Cumulative JSON form. */
  toJson(): DelayHistogramJson {
    let running = 0;
    const buckets = this.counts.map((c, i) => {
      running += c;
      return { LeMs: DELAY_BUCKETS_MS[i] ?? ("+Inf" as const), Count: running };
    });
    return {
      Count: this.count,
      SumMs: Math.round(this.sumMs),
      MaxMs: Math.round(this.maxMs),
      Buckets: buckets,
    };
  }
}
