/**
 * Folds the trials of one setting into its figures: the median of each figure over the runs
 * (with min and max), the model's times for the same settings, and Shoal/Serf ratios.
 */
import { modelSummary } from "../../src/swim/sim/model.js";
import { median, range, type Curve } from "./curve.js";
import { SCENARIOS, type IdleFigures, type Scenario, type TrialResult } from "./trial.js";

/** Median, min and max of one figure over the runs. */
export interface Figure {
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** One scenario's figures over the runs. */
export interface ScenarioFigures {
  readonly t50Ms: Figure;
  readonly t99Ms: Figure;
  readonly t100Ms: Figure;
  /** Agents that saw the change / agents that should have, per run. */
  readonly reached: readonly string[];
  /** The run whose t100 is the median one (its curve is drawn). */
  readonly curveRun: number;
}

/** One implementation at one setting. */
export interface ImplementationFigures {
  readonly runs: number;
  readonly scenarios: Readonly<Record<Scenario, ScenarioFigures>>;
  readonly idle: Readonly<Record<Exclude<keyof IdleFigures, "split">, Figure>> & { readonly split: boolean };
  readonly trials: readonly TrialResult[];
}

/** Serf's logistic model for a setting. */
export interface ModelFigures {
  readonly fanout: number;
  readonly intervalMs: number;
  readonly t50Ms: number;
  readonly t99Ms: number;
  readonly bandwidthBytesPerSec: number;
}

function figure(values: readonly (number | null)[]): Figure {
  return { median: median(values), ...range(values) };
}

function medianRun(curves: readonly Curve[]): number {
  const order = curves
    .map((c, i) => ({ i, t: c.t100Ms ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.t - b.t);
  return order[Math.floor((order.length - 1) / 2)]?.i ?? 0;
}

/** Figures of one implementation from its trials. */
export function aggregate(trials: readonly TrialResult[]): ImplementationFigures {
  const scenarios = Object.fromEntries(
    SCENARIOS.map((s) => {
      const curves = trials.map((t) => t.curves[s]);
      return [
        s,
        {
          t50Ms: figure(curves.map((c) => c.t50Ms)),
          t99Ms: figure(curves.map((c) => c.t99Ms)),
          t100Ms: figure(curves.map((c) => c.t100Ms)),
          reached: curves.map((c) => `${c.delaysMs.length}/${c.total}`),
          curveRun: medianRun(curves),
        },
      ];
    }),
  ) as unknown as Record<Scenario, ScenarioFigures>;
  const idleKeys = [
    "windowMs",
    "bytesPerNodePerSec",
    "udpBytesPerNodePerSec",
    "tcpBytesPerNodePerSec",
    "otherBytesPerNodePerSec",
    "cpuPercentPerAgent",
    "rssMbPerAgent",
    "rssMbMax",
  ] as const;
  const idle = Object.fromEntries(idleKeys.map((k) => [k, figure(trials.map((t) => t.idle[k]))])) as Record<
    (typeof idleKeys)[number],
    Figure
  >;
  return { runs: trials.length, scenarios, idle: { ...idle, split: trials[0]?.idle.split ?? false }, trials };
}

/** The model's figures for `nodes` at `fanout` and `intervalMs`. */
export function modelFor(nodes: number, fanout: number, intervalMs: number): ModelFigures {
  const m = modelSummary({ nodes, fanout, intervalMs });
  return { fanout, intervalMs, t50Ms: m.t50Ms, t99Ms: m.t99Ms, bandwidthBytesPerSec: m.bandwidthBytesPerSec };
}

/** `a / b` of two medians, or null if either is missing or b is 0. */
export function ratio(a: Figure, b: Figure): number | null {
  if (a.median === null || b.median === null || b.median === 0) return null;
  return a.median / b.median;
}
