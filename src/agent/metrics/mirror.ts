/**
 * prom-client metrics whose values live elsewhere (the runtime's plain counters, the node's
 * queue depths) and are copied in at scrape time, so the hot path never calls prom-client.
 */
import { Counter, Gauge, type Registry } from "prom-client";

/** Label values to a current value. */
export type Samples = readonly (readonly [Readonly<Record<string, string>>, number])[];

/** A counter reset and refilled from `read()` at each scrape (`read` returns running totals). */
export function mirrorCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Samples,
): void {
  new Counter({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** A gauge set from `read()` at each scrape. */
export function mirrorGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: () => Samples,
): void {
  new Gauge({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}
