/**
 * The core's single timer: a calendar of deadlines (binary min-heap). The shell keeps exactly
 * one real timer per node, armed at {@link DeadlineCalendar.next}, and calls `onTimer(nowMs)`,
 * which runs everything due (quinn-proto's "next timeout" idea, DESIGN.md section 1).
 *
 * Cancellation is lazy (a flag; cancelled entries are dropped when they reach the top), so
 * cancel is O(1) and schedule/pop are O(log n) in the number of pending deadlines, never O(N)
 * in the cluster size.
 */

/** A scheduled callback; pass it to {@link DeadlineCalendar.cancel}. */
export interface TimerHandle {
  readonly atMs: number;
  /** @internal */ cancelled: boolean;
}

interface Entry extends TimerHandle {
  readonly seq: number;
  readonly fire: (nowMs: number) => void;
}

/**
 * When a periodic task due at `dueMs` runs next: one period later, or, when it ran a period or
 * more late, at the first period boundary after `nowMs`. Missed ticks are dropped, as Go's
 * `time.Ticker` (memberlist's probe and gossip tickers) drops them for a slow receiver:
 * replaying them would answer a stalled event loop with a burst of every probe and gossip round
 * it missed, more load on a node that is already behind.
 */
export function nextTick(dueMs: number, periodMs: number, nowMs: number): number {
  const next = dueMs + periodMs;
  if (next > nowMs) return next;
  return dueMs + (Math.floor((nowMs - dueMs) / periodMs) + 1) * periodMs;
}

/** A min-heap of deadlines; ties fire in scheduling order. */
export class DeadlineCalendar {
  private readonly heap: Entry[] = [];
  private seq = 0;

  /** Run `fire(nowMs)` at the first `runDue(nowMs)` with `nowMs >= atMs`. */
  schedule(atMs: number, fire: (nowMs: number) => void): TimerHandle {
    const entry: Entry = { atMs, seq: this.seq++, cancelled: false, fire };
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    return entry;
  }

  /** Cancel a pending callback (no-op if it already fired or was cancelled). */
  cancel(handle: TimerHandle | undefined): void {
    if (handle !== undefined) handle.cancelled = true;
  }

  /** The earliest pending deadline, or undefined. */
  next(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.atMs;
  }

  /** Number of pending (possibly cancelled) entries; for tests and metrics. */
  size(): number {
    return this.heap.length;
  }

  /**
   * Fire every callback due at or before `nowMs`, earliest first. Callbacks may schedule new
   * entries; those already due also run in this call.
   */
  runDue(nowMs: number): void {
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (top === undefined || top.atMs > nowMs) return;
      this.pop();
      top.cancelled = true;
      top.fire(nowMs);
    }
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled === true) this.pop();
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private siftUp(index: number): void {
    let i = index;
    const item = this.heap[i] as Entry;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = this.heap[parent] as Entry;
      if (!this.less(item, p)) break;
      this.heap[i] = p;
      i = parent;
    }
    this.heap[i] = item;
  }

  private siftDown(index: number): void {
    const n = this.heap.length;
    let i = index;
    const item = this.heap[i] as Entry;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && this.less(this.heap[r] as Entry, this.heap[l] as Entry)) child = r;
      const c = this.heap[child] as Entry;
      if (!this.less(c, item)) break;
      this.heap[i] = c;
      i = child;
    }
    this.heap[i] = item;
  }
}
