/**
 * Lifeguard's Local Health Multiplier ("awareness", memberlist `awareness.go`).
 *
 * A node that is itself slow (overloaded CPU, long GC or event-loop pauses, a saturated NIC)
 * misses acks and wrongly suspects healthy peers. The score measures our own health: it
 * rises on evidence that *we* are the problem and scales the probe interval (and so every
 * probe deadline) by `score + 1`, which makes us slower to accuse others while we are sick.
 */

/** The local health score, 0 (healthy) .. max-1. */
export class Awareness {
  private score = 0;
  private lastDelayBumpMs = Number.NEGATIVE_INFINITY;

  /**
   * @param max memberlist's AwarenessMaxMultiplier; the score stays in 0..max-1.
   * @param onChange Called with the new score whenever it actually changes.
   */
  constructor(
    private readonly max: number,
    private readonly onChange: (score: number) => void = () => {},
  ) {}

  /** The current score. */
  healthScore(): number {
    return this.score;
  }

  /** Add `delta` (may be negative), clamped to 0..max-1; reports a change. */
  applyDelta(delta: number): void {
    const before = this.score;
    this.score = Math.min(Math.max(before + delta, 0), Math.max(this.max - 1, 0));
    if (this.score !== before) this.onChange(this.score);
  }

  /** `timeoutMs × (score + 1)`. */
  scaleTimeout(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }

  /**
   * Shoal addition: fold a measured event-loop delay into the score.
   *
   * Rule: a stall of at least `thresholdMs` (the caller passes ProbeTimeout, the point at which
   * our own acks would arrive too late for a peer's direct probe) is the same evidence as a
   * failed probe of ours, so it adds +1. At most one bump per `cooldownMs` (the probe
   * interval), so a sampler reporting the same stall several times counts it once. Delays never
   * lower the score; only successful probes do, as in memberlist.
   *
   * @returns true if the score was bumped.
   */
  onLocalDelay(delayMs: number, thresholdMs: number, cooldownMs: number, nowMs: number): boolean {
    if (!(delayMs >= thresholdMs)) return false;
    if (nowMs - this.lastDelayBumpMs < cooldownMs) return false;
    this.lastDelayBumpMs = nowMs;
    this.applyDelta(1);
    return true;
  }
}
