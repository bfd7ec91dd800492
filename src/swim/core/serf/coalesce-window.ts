/**
 * The timing half of Serf's `coalesceLoop` (`serf/coalesce.go`), with time passed in: a window
 * opens at the first held event and closes at the earlier of two deadlines. The coalesce
 * period bounds how long anything is held; the quiescent period, restarted by every held
 * event, flushes early once a burst is over.
 */
export class CoalesceWindow {
  private quantumAtMs: number | undefined;
  private quiescentAtMs: number | undefined;

  /**
   * @param coalescePeriodMs Longest an event is held (Serf's `CoalescePeriod`).
   * @param quiescentPeriodMs Flush once no event arrived for this long (`QuiescentPeriod`).
   */
  constructor(
    private readonly coalescePeriodMs: number,
    private readonly quiescentPeriodMs: number,
  ) {}

  /** Serf installs a coalescer only when both periods are positive. */
  get enabled(): boolean {
    return this.coalescePeriodMs > 0 && this.quiescentPeriodMs > 0;
  }

  /** Records a held event: opens the window if needed and restarts the quiescent period. */
  touch(nowMs: number): void {
    this.quantumAtMs ??= nowMs + this.coalescePeriodMs;
    this.quiescentAtMs = nowMs + this.quiescentPeriodMs;
  }

  /** When the open window closes; undefined when nothing is held. */
  deadlineMs(): number | undefined {
    if (this.quantumAtMs === undefined || this.quiescentAtMs === undefined) return undefined;
    return Math.min(this.quantumAtMs, this.quiescentAtMs);
  }

  /** True when the open window's deadline has come. */
  isDue(nowMs: number): boolean {
    const at = this.deadlineMs();
    return at !== undefined && nowMs >= at;
  }

  /** Closes the window (after a flush); the next held event opens a new one. */
  close(): void {
    this.quantumAtMs = undefined;
    this.quiescentAtMs = undefined;
  }
}
