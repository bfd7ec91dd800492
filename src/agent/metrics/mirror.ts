/**
 * prom-client metrics whose values live elsewhere (the runtime's plain counters, the node's
 * queue depths) and are copied in at scrape time, so the hot path never calls prom-client.
 */
import { Counter, Gauge, type Registry } from "prom-client";

/** Label values to a current value. */
export type Samples = readonly (readonly [Readonly<Record<string, string>>, number])[];

/** Registers a metric named `name` whose samples `read()` gives at each scrape. */
export type Mirror = (
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Samples,
) => void;

/** The part of prom-client's Counter/Gauge configuration a mirror uses. */
interface MirrorConfiguration<M> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: string[];
  readonly registers: Registry[];
  collect(this: M): void;
}

/**
 * A {@link Mirror} of `Metric`, reset at each scrape and refilled through `put`: counters and
 * gauges differ only in how a sample goes in (`inc` or `set`).
 */
function mirrorOf<M extends { reset(): void }>(
  Metric: new (configuration: MirrorConfiguration<M>) => M,
  put: (metric: M, labels: Readonly<Record<string, string>>, value: number) => void,
): Mirror {
  return (registry, name, help, labelNames, read) => {
    new Metric({
      name,
      help,
      labelNames: [...labelNames],
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) put(this, labels, value);
      },
    });
  };
}

/** A counter reset and refilled from `read()` at each scrape (`read` returns running totals). */
export const mirrorCounter: Mirror = mirrorOf<Counter>(Counter, (counter, labels, value) =>
  counter.inc(labels, value),
);

/** A gauge set from `read()` at each scrape. */
export const mirrorGauge: Mirror = mirrorOf<Gauge>(Gauge, (gauge, labels, value) => gauge.set(labels, value));
