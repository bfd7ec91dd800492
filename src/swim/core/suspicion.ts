/**
 * Lifeguard's dynamic suspicion timeout (memberlist `suspicion.go`, PROTOCOL.md section 2.4).
 *
 * A suspicion starts long (`max`) when enough peers exist to confirm it, and every independent
 * confirmation (a suspect message from a different accuser) pulls the deadline towards `min`
 * on a log curve, so a node that many peers cannot reach is declared dead quickly while a
 * lone accuser (perhaps itself the sick one) has to wait.
 */

/**
 * Minimum suspicion timeout: `mult × max(1, log10(max(1, n))) × interval`, with the node scale
 * truncated to thousandths exactly as memberlist's integer Duration arithmetic does.
 */
export function suspicionTimeoutMs(suspicionMult: number, n: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return (suspicionMult * Math.trunc(nodeScale * 1000) * probeIntervalMs) / 1000;
}

/**
 * Time left after `confirmations` independent confirmations out of `k` wanted:
 * `max − (ln(c+1)/ln(k+1))·(max − min)`, floored to whole milliseconds, clamped to ≥ min,
 * minus the time already elapsed. May be ≤ 0, meaning "fire now".
 */
export function remainingSuspicionTimeMs(
  confirmations: number,
  k: number,
  elapsedMs: number,
  minMs: number,
  maxMs: number,
): number {
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  // Same float steps as memberlist (seconds, then back to ms) so results agree to the ms.
  const rawSeconds = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  const timeoutMs = Math.max(Math.floor(1000 * rawSeconds), minMs);
  return timeoutMs - elapsedMs;
}

/** One suspicion episode of one node. Owns no timer: it exposes a deadline the caller schedules. */
export class Suspicion {
  /** Confirmations counted so far (the original accuser is not one). */
  private confirmationCount = 0;
  private readonly accusers = new Set<string>();
  /** Absolute `nowMs` at which the node should be declared dead. */
  private deadline: number;
  /** Latest deadline allowed (set by {@link expireBy}); confirmations never move past it. */
  private cap = Number.POSITIVE_INFINITY;

  /**
   * @param from The first accuser; pre-excluded so it cannot confirm its own accusation.
   * @param k Confirmations wanted (`suspicionMult − 2`, or 0 in tiny clusters).
   * @param minMs Minimum timeout.
   * @param maxMs Maximum timeout.
   * @param startMs When the suspicion began.
   */
  constructor(
    from: string,
    readonly k: number,
    readonly minMs: number,
    readonly maxMs: number,
    readonly startMs: number,
  ) {
    this.accusers.add(from);
    this.deadline = startMs + (k < 1 ? minMs : maxMs);
  }

  /** When the suspicion expires. */
  deadlineMs(): number {
    return this.deadline;
  }

  /** Confirmations received so far. */
  confirmations(): number {
    return this.confirmationCount;
  }

  /**
   * Count a confirmation from `from`. Returns true if it was new and independent (the caller
   * then re-gossips it); false for repeats, the original accuser, or once k is reached.
   * The deadline moves to `now + remaining`, which can be ≤ now ("fire at once").
   */
  confirm(from: string, nowMs: number): boolean {
    if (this.confirmationCount >= this.k) return false;
    if (this.accusers.has(from)) return false;
    this.accusers.add(from);
    this.confirmationCount++;
    const remaining = remainingSuspicionTimeMs(
      this.confirmationCount,
      this.k,
      nowMs - this.startMs,
      this.minMs,
      this.maxMs,
    );
    this.deadline = Math.min(nowMs + remaining, this.cap);
    return true;
  }

  /**
   * Expire no later than `atMs` (Shoal: this node's TCP fallback ping was refused, proof the
   * member's agent is gone). Returns true if the deadline moved earlier.
   */
  expireBy(atMs: number): boolean {
    this.cap = Math.min(this.cap, atMs);
    if (this.deadline <= this.cap) return false;
    this.deadline = this.cap;
    return true;
  }
}
