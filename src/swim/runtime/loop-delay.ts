/**
 * Event-loop delay for Lifeguard (../shared/DESIGN.md section 2): a node whose own process
 * stalls (GC pause, CPU starvation, a blocking call) misses acks through no fault of its
 * peers; feeding the stall into the local health score makes it slower to accuse others.
 *
 * Measured as a lag probe on the runtime's single protocol timer: how late it fires compared
 * with the time it was armed for. That is exactly the delay the protocol suffers, and it
 * needs no timer of its own. The runtime arms its timer at least once per sample interval,
 * so any stall longer than that interval is always seen.
 *
 * Why not `monitorEventLoopDelay`: resetting its histogram (needed for a per-window maximum)
 * also drops the interval in progress, so a stall that ends just before a sample is lost,
 * which is precisely the case that matters here.
 */

/** Tracks the worst timer lateness between two {@link LoopDelayMonitor.sample} calls. */
export class LoopDelayMonitor {
  private windowMaxMs = 0;

  /** Records one timer firing: armed for `dueMs`, ran at `firedMs` (same monotonic clock). */
  observe(dueMs: number, firedMs: number): void {
    const late = firedMs - dueMs;
    if (late > this.windowMaxMs) this.windowMaxMs = late;
  }

  /** The largest lateness (ms) since the previous sample, then starts a new window. */
  sample(): number {
    const max = this.windowMaxMs;
    this.windowMaxMs = 0;
    return max;
  }
}
