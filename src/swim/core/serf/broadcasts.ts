/**
 * Serf's broadcast queues (`serf.go` broadcasts / queryBroadcasts / eventBroadcasts,
 * `delegate.go` GetBroadcasts) plus Shoal's extension queue, and how one packet's delegate
 * budget is shared among them.
 *
 * Serf fills the budget from intents, then queries, then events, each queue taking all it
 * can. In a join storm the intent queue alone (one join intent per new node, re-sent
 * retransmit-limit times) fills every packet, and a user event waits for the storm to pass:
 * the Serf-level twin of memberlist#299. Shoal keeps Serf's order but first gives every
 * non-empty queue its head message, in a rotating order (so a head too big to fit after the
 * others goes first on a later packet); only then do the queues fill what is left in Serf's
 * order. A single queue can still use the whole budget when the others are empty.
 *
 * Serf's queues hold unique broadcasts (never invalidated); the extension queue is named, so
 * a newer catalog entry replaces an older one still waiting.
 */
import { TransmitLimitedQueue, type PacketPeer } from "../broadcast-queue.js";

/** The four queues, in Serf's fill order. */
export class SerfBroadcasts {
  /** Join and leave intents (Serf's `broadcasts`). */
  readonly intents: TransmitLimitedQueue;
  /** Queries (Serf's `queryBroadcasts`). */
  readonly queries: TransmitLimitedQueue;
  /** User events (Serf's `eventBroadcasts`). */
  readonly events: TransmitLimitedQueue;
  /** Extension (catalog) messages, named. */
  readonly extension: TransmitLimitedQueue;
  private readonly order: readonly TransmitLimitedQueue[];
  private rotation = 0;
  /** Messages each queue dropped to its depth limit (Serf's queue-depth check), for metrics. */
  private readonly dropped = [0, 0, 0, 0];

  /**
   * @param retransmitMult memberlist's RetransmitMult.
   * @param numNodes Serf's member count (Serf's queues use it, not memberlist's).
   */
  constructor(retransmitMult: number, numNodes: () => number) {
    this.intents = new TransmitLimitedQueue(retransmitMult, numNodes);
    this.queries = new TransmitLimitedQueue(retransmitMult, numNodes);
    this.events = new TransmitLimitedQueue(retransmitMult, numNodes);
    this.extension = new TransmitLimitedQueue(retransmitMult, numNodes);
    this.order = [this.intents, this.queries, this.events, this.extension];
  }

  /** Whether anything is queued (memberlist keeps its fairness reserve only then). */
  any(): boolean {
    return this.intents.size() + this.queries.size() + this.events.size() + this.extension.size() > 0;
  }

  /**
   * Room to keep for us in a packet (memberlist's fairness reserve, at most `cap`): enough for
   * the head of every non-empty queue, which is what {@link take} sends first. Asking for no
   * more leaves the rest to membership messages, which a join storm needs too.
   */
  reserve(overhead: number, cap: number): number {
    let want = 0;
    const queues = this.order;
    for (let i = 0; i < queues.length; i++) {
      const next = (queues[i] as TransmitLimitedQueue).nextLength();
      if (next !== undefined) want += overhead + next;
    }
    return want < cap ? want : cap;
  }

  /**
   * Messages for one packet: `overhead + length` of each counts against `limit`
   * (memberlist's delegate GetBroadcasts contract); `peer` is the recipient (see the queue).
   */
  take(overhead: number, limit: number, peer?: PacketPeer): Uint8Array[] {
    const out: Uint8Array[] = [];
    let used = 0;
    const queues = this.order;
    const n = queues.length;
    let nonEmpty = 0;
    for (const q of queues) if (q.size() > 0) nonEmpty++;
    if (nonEmpty === 0) return out;
    if (nonEmpty > 1) {
      const first = this.rotation++ % n;
      for (let i = 0; i < n; i++) {
        const queue = queues[(first + i) % n] as TransmitLimitedQueue;
        if (queue.size() === 0) continue;
        for (const msg of queue.getBroadcasts(overhead, limit - used, undefined, 1, peer)) {
          out.push(msg);
          used += overhead + msg.length;
        }
      }
    }
    // What was just taken sits one transmit tier higher; skip it so one packet never carries
    // the same message twice.
    const taken = out.length > 0 ? new Set<Uint8Array>(out) : undefined;
    for (const queue of queues) {
      if (queue.size() === 0 || limit - used <= overhead) continue;
      for (const msg of queue.getBroadcasts(overhead, limit - used, taken, Infinity, peer)) {
        out.push(msg);
        used += overhead + msg.length;
      }
    }
    return out;
  }

  /** Serf's queue-depth check: drop the most-sent messages of any queue over `max`. */
  prune(max: number): void {
    this.order.forEach((q, i) => {
      const before = q.size();
      if (before <= max) return;
      q.prune(max);
      this.dropped[i] = (this.dropped[i] ?? 0) + before - q.size();
    });
  }

  /** Messages dropped by {@link prune} since start, per queue (same keys as {@link depths}). */
  drops(): {
    readonly intents: number;
    readonly queries: number;
    readonly events: number;
    readonly extension: number;
  } {
    const [intents = 0, queries = 0, events = 0, extension = 0] = this.dropped;
    return { intents, queries, events, extension };
  }

  /** Queue depths, for `info` and metrics. */
  depths(): {
    readonly intents: number;
    readonly queries: number;
    readonly events: number;
    readonly extension: number;
  } {
    return {
      intents: this.intents.size(),
      queries: this.queries.size(),
      events: this.events.size(),
      extension: this.extension.size(),
    };
  }
}
