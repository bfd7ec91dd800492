/**
 * A binary min-heap of simulator events ordered by (virtual time, insertion sequence).
 *
 * The sequence number breaks ties in insertion order, so two events scheduled for the same
 * millisecond always run in the same order: that is what makes a run replayable from its seed.
 */

/** One scheduled entry; `seq` is assigned by the queue. */
export interface QueueEntry<T> {
  readonly timeMs: number;
  readonly seq: number;
  readonly value: T;
}

/** Priority queue of events by (timeMs, seq). push and pop are O(log n). */
export class EventQueue<T> {
  private readonly heap: QueueEntry<T>[] = [];
  private nextSeq = 0;

  /** Number of queued events. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedules `value` at `timeMs`; returns the entry's sequence number. */
  push(timeMs: number, value: T): number {
    const seq = this.nextSeq++;
    const heap = this.heap;
    heap.push({ timeMs, seq, value });
    // Sift up.
    let i = heap.length - 1;
    const entry = heap[i]!;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(entry, parent)) break;
      heap[i] = parent;
      i = parentIndex;
    }
    heap[i] = entry;
    return seq;
  }

  /** The earliest entry without removing it. */
  peek(): QueueEntry<T> | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest entry. */
  pop(): QueueEntry<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    // Sift `last` down from the root.
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let childEntry = heap[left]!;
      if (right < n) {
        const rightEntry = heap[right]!;
        if (before(rightEntry, childEntry)) {
          child = right;
          childEntry = rightEntry;
        }
      }
      if (!before(childEntry, last)) break;
      heap[i] = childEntry;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before<T>(a: QueueEntry<T>, b: QueueEntry<T>): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}
