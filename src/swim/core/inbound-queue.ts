/**
 * memberlist's handoff queues (`net.go` handleCommand / `state.go` packetHandler; PROTOCOL.md
 * section 2.6, "Inbound processing"): received alive, suspect, dead and user messages wait
 * here, still encoded, while pings, indirect pings, acks and nacks are handled as they arrive.
 *
 * Why it matters: under overload the failure detector must still see acks on time. memberlist
 * reads packets in one goroutine and handles gossip in another, so a flood of gossip delays
 * the gossip, not the acks; when the handler falls behind, each queue holds at most
 * `HandoffQueueDepth` messages and the rest are dropped undecoded (gossip is redundant: every
 * message reaches a node many times, and push/pull repairs the rest).
 *
 * Alive goes to the high-priority queue, everything else to the low one; both drain newest
 * first (memberlist#159: the freshest information is the most useful). When a queue is full,
 * memberlist drops the message arriving; Shoal drops the oldest one queued instead, for the
 * same reason: a node that is behind would otherwise keep handling stale news and throw away
 * the refutation that just arrived, and its suspicion of the refuting node would run out.
 * Draining alive first
 * also damps overload: when a node is behind, the suspicions it would otherwise spread and
 * confirm wait (a variant that took from the two queues in turn, so that user events were not
 * starved, turned a 1,000-agent join storm on two cores into a cascade of false failures).
 */
import type { Address } from "./api.js";

/** One queued message and its sender. */
export interface InboundMessage {
  /** The message as received: `[type][msgpack]`. */
  readonly bytes: Uint8Array;
  readonly from: Address;
}

/** Two bounded LIFO queues, high priority drained first. */
export class InboundQueue {
  private readonly high: RecentStack<InboundMessage>;
  private readonly low: RecentStack<InboundMessage>;

  /** @param depth memberlist's HandoffQueueDepth: the bound of each queue. */
  constructor(depth: number) {
    this.high = new RecentStack(depth);
    this.low = new RecentStack(depth);
  }

  /** Queues a message; false if that made its queue drop one (the oldest, or this one at depth 0). */
  push(highPriority: boolean, message: InboundMessage): boolean {
    return (highPriority ? this.high : this.low).push(message);
  }

  /** The next message to handle: the newest high-priority one, else the newest low-priority one. */
  take(): InboundMessage | undefined {
    return this.high.size() > 0 ? this.high.pop() : this.low.pop();
  }

  /** Messages waiting. */
  size(): number {
    return this.high.size() + this.low.size();
  }

  /** Forgets everything queued (shutdown). */
  clear(): void {
    this.high.clear();
    this.low.clear();
  }
}

/** A bounded stack (newest out first) that makes room by evicting its oldest entry: a ring buffer. */
class RecentStack<T> {
  private readonly slots: (T | undefined)[];
  /** Index of the oldest entry. */
  private head = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Pushes `item`; false if an entry had to go (the oldest, or `item` itself at capacity 0). */
  push(item: T): boolean {
    const capacity = this.capacity;
    if (capacity === 0) return false;
    if (this.count === capacity) {
      this.slots[this.head] = item;
      this.head = (this.head + 1) % capacity;
      return false;
    }
    this.slots[(this.head + this.count) % capacity] = item;
    this.count++;
    return true;
  }

  /** Removes and returns the newest entry. */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const index = (this.head + this.count - 1) % this.capacity;
    const item = this.slots[index];
    this.slots[index] = undefined;
    this.count--;
    return item;
  }

  size(): number {
    return this.count;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}
