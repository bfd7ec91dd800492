/**
 * Serf's convergence model, reproduced exactly from its retired web simulator
 * (../shared/PROTOCOL.md section 4.2): a logistic SI-epidemic curve evaluated at whole gossip
 * rounds. Shoal's simulator runs the real protocol; this model is what its numbers are
 * compared against, so it must give the same answers as Serf's page (section 4.3).
 */

/** Inputs of Serf's model. `loss` and `failed` are fractions in [0, 1), not percentages. */
export interface ModelParams {
  /** Cluster size N. */
  readonly nodes: number;
  /** Gossip fanout (memberlist GossipNodes). */
  readonly fanout: number;
  /** Gossip interval in milliseconds (one round). */
  readonly intervalMs: number;
  /** Packet loss fraction, 0 when absent. */
  readonly loss?: number;
  /** Fraction of failed nodes, 0 when absent. */
  readonly failed?: number;
}

/** One point of the model's curve. */
export interface ModelPoint {
  readonly round: number;
  readonly timeMs: number;
  /** Fraction of nodes that have the update, in (0, 1]. */
  readonly fraction: number;
}

/** The numbers Serf's page shows for one set of inputs. */
export interface ModelSummary {
  readonly t50Ms: number;
  readonly t99Ms: number;
  readonly t9999Ms: number;
  /** Serf's "estimated max bandwidth": every gossip packet a full 1400 B, sent and received. */
  readonly bandwidthBytesPerSec: number;
  /** The same in kbps (x 8 / 1024), rounded to one decimal, ties to even. */
  readonly bandwidthKbps: number;
}

/** The page plots until 99.99 % or this many rounds, whichever comes first. */
export const MODEL_MAX_ROUNDS = 100;

/** Serf's per-node contact rate: `(fanout / N)(1 - loss)(1 - failed) * 0.5`. */
export function modelContact(params: ModelParams): number {
  const loss = params.loss ?? 0;
  const failed = params.failed ?? 0;
  return (params.fanout / params.nodes) * (1 - loss) * (1 - failed) * 0.5;
}

/** Converged fraction after `rounds` rounds: `infected / N` with `infected = N / (1 + (N+1) e^(-contact N x))`. */
export function modelFraction(params: ModelParams, rounds: number): number {
  const n = params.nodes;
  const infected = n / (1 + (n + 1) * Math.exp(-modelContact(params) * n * rounds));
  return infected / n;
}

/**
 * The first whole round at which the model reaches `fraction` (the page evaluates the curve
 * only at integer rounds), or `maxRounds` if it never does within that many.
 */
export function modelRoundsToFraction(params: ModelParams, fraction: number, maxRounds = 10_000): number {
  for (let round = 0; round < maxRounds; round++) {
    if (modelFraction(params, round) >= fraction) return round;
  }
  return maxRounds;
}

/** Time to reach `fraction`, in whole rounds times the interval. */
export function modelTimeToFractionMs(params: ModelParams, fraction: number): number {
  return modelRoundsToFraction(params, fraction) * params.intervalMs;
}

/** The curve as the page plots it: one point per round until 99.99 % or {@link MODEL_MAX_ROUNDS}. */
export function modelCurve(params: ModelParams): ModelPoint[] {
  const points: ModelPoint[] = [];
  for (let round = 0; round <= MODEL_MAX_ROUNDS; round++) {
    const fraction = modelFraction(params, round);
    points.push({ round, timeMs: round * params.intervalMs, fraction });
    if (fraction >= 0.9999) break;
  }
  return points;
}

/** Serf's bandwidth estimate in bytes per second: `1400 * fanout * (1 / interval) * 2`. */
export function modelBandwidthBytesPerSec(params: ModelParams): number {
  return 1400 * params.fanout * (1000 / params.intervalMs) * 2;
}

/** t50, t99, t99.99 and bandwidth, the numbers of PROTOCOL.md section 4.3. */
export function modelSummary(params: ModelParams): ModelSummary {
  const bandwidthBytesPerSec = modelBandwidthBytesPerSec(params);
  return {
    t50Ms: modelTimeToFractionMs(params, 0.5),
    t99Ms: modelTimeToFractionMs(params, 0.99),
    t9999Ms: modelTimeToFractionMs(params, 0.9999),
    bandwidthBytesPerSec,
    bandwidthKbps: roundHalfEven(((bandwidthBytesPerSec * 8) / 1024) * 10) / 10,
  };
}

/**
 * Rounds to an integer, ties to even. PROTOCOL.md's table was computed this way (656.25 kbps
 * shows as 656.2), so Shoal reports the same digits as the documented numbers.
 */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (Math.abs(diff - 0.5) > 1e-9) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}
