/**
 * Event-loop delay for Lifeguard (../shared/DESIGN.md section 2): a node whose own process
 * stalls (GC pause, CPU starvation, a blocking call) misses acks through no fault of its
 * peers; feeding the stall into the local health score makes it slower to accuse others.
 *
 * Uses `monitorEventLoopDelay`, which samples from libuv without a JavaScript timer of ours.
 * Its histogram records the whole interval between samples, so the sampling resolution is
 * subtracted to get the delay beyond what was scheduled.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { IntervalHistogram } from "node:perf_hooks";

/** Histogram resolution: fine enough for probe timeouts of 200 ms and up. */
const RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;

/** Measures the worst event-loop delay between two {@link LoopDelayMonitor.sample} calls. */
export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram;

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
  }

  /** The largest delay (ms) since the previous sample, then starts a new window. */
  sample(): number {
    const count = this.histogram.count;
    const maxMs = count === 0 ? 0 : this.histogram.max / NS_PER_MS;
    this.histogram.reset();
    return Math.max(0, maxMs - RESOLUTION_MS);
  }

  /** Stops sampling. */
  stop(): void {
    this.histogram.disable();
  }
}
