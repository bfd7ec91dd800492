/**
 * Time bounds the container scenarios assert, derived from memberlist's presets
 * (src/swim/core/config.ts) rather than guessed, so a regression shows as a broken bound.
 */

/** The knobs of a profile that bound failure detection. */
export interface ProfileTiming {
  readonly probeIntervalMs: number;
  readonly suspicionMult: number;
  readonly suspicionMaxTimeoutMult: number;
  readonly pushPullIntervalMs: number;
}

/** memberlist's LAN preset (Shoal's default profile). */
export const LAN: ProfileTiming = {
  probeIntervalMs: 1_000,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  pushPullIntervalMs: 30_000,
};

/**
 * Longest time from a crash until every peer marks the node failed: each peer probes the
 * others round-robin, so some peer probes it within n probe intervals; the suspicion timeout
 * starts at its maximum (mult × max(1, log10 n) × probe interval × max mult) and only shrinks
 * with confirmations; then the dead message spreads by gossip (allow 2 s, generous at n=5).
 */
export function failureDetectionBoundMs(t: ProfileTiming, n: number): number {
  const suspicionMinMs = t.suspicionMult * Math.max(1, Math.log10(n)) * t.probeIntervalMs;
  return n * t.probeIntervalMs + suspicionMinMs * t.suspicionMaxTimeoutMult + 2_000;
}
