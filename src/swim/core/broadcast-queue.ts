/**
 * memberlist's TransmitLimitedQueue (`queue.go`, PROTOCOL.md section 2.6): broadcasts waiting
 * to be piggybacked, each sent at most `retransmitMult × ceil(log10(N+1))` times.
 *
 * Order: fewest transmits first (fresh news has priority), then larger messages (to fill the
 * packet), then newer. Instead of one balanced tree, messages live in one sorted bucket per
 * transmit count ("tier"); a packet fill walks tiers from 0 and binary-searches each bucket for
 * the largest message that still fits, so `getBroadcasts` costs O(picked × log n) plus one
 * array splice per pick, with no per-call sorting.
 */

/** Options of one queued broadcast. */
export interface BroadcastOptions {
  /**
   * Named broadcasts invalidate each other: queuing a message under a name already queued
   * replaces the old one (memberlist's NamedBroadcast, keyed by node name). Unnamed messages are
   * unique and never invalidate anything (Serf's UniqueBroadcast).
   */
  readonly name?: string;
  /** Called once when the message leaves the queue: transmit limit reached, replaced, pruned or reset. */
  readonly onFinished?: () => void;
  /**
   * Address key of the peer this message was heard from, when it is a re-broadcast: that peer
   * has it, so it counts as already reached in the first pass over distinct peers (see
   * `getBroadcasts`' `peer`). Without it, in a small cluster every re-broadcaster may spend its
   * few transmits on the sender and on each other, and one node never hears a query or a leave
   * (on the local preset's 2 transmits, a 4-node cluster missed one node with 15 of 150 user
   * events, and with queries alike: `keys --list` then counted 3 of 4). The transmit count is
   * unchanged.
   */
  readonly heardFrom?: string;
}

interface Item {
  readonly message: Uint8Array;
  /**
   * `message.length`, kept on the item: the binary searches read it for every step, and one
   * load less per step matters when every packet searches tiers of a thousand messages.
   */
  readonly length: number;
  readonly id: number;
  transmits: number;
  readonly name: string | undefined;
  readonly onFinished: (() => void) | undefined;
  /**
   * Peers this message went to (see `getBroadcasts`' `peer`), as the queue's small peer numbers
   * (see `peerNumber`): comparing numbers, not address strings, for every candidate of every
   * packet. At most the transmit limit.
   */
  sentTo: number[] | undefined;
}

/** Most peer numbers handed out before they are all forgotten and handed out afresh. */
const MAX_PEER_NUMBERS = 65_536;

/** The recipient of the packet being filled (see `getBroadcasts`). */
export interface PacketPeer {
  /** The recipient's address key. */
  readonly key: string;
  /**
   * How many peers there are at most: the node list without this node. It may count dead
   * nodes that no packet goes to any more, but never fewer peers than are reachable.
   */
  readonly peers: number;
}

/** `retransmitMult × ceil(log10(n + 1))` (memberlist `util.go` retransmitLimit). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** Bucket order: larger first, then newer (higher id) first. */
function before(a: Item, b: Item): boolean {
  const la = a.length;
  const lb = b.length;
  return la > lb || (la === lb && a.id > b.id);
}

/** A transmit-limited broadcast queue. */
export class TransmitLimitedQueue {
  /** tiers[t] holds the messages sent t times, sorted by {@link before}. */
  private readonly tiers: Item[][] = [];
  private readonly byName = new Map<string, Item>();
  /** Peer address key -> small number, for `sentTo`. */
  private readonly peerNumbers = new Map<string, number>();
  private idGen = 0;
  private count = 0;

  /**
   * @param retransmitMult memberlist's RetransmitMult.
   * @param numNodes Cluster size estimate, read at every `getBroadcasts` (it changes).
   */
  constructor(
    private readonly retransmitMult: number,
    private readonly numNodes: () => number,
  ) {}

  /** Number of queued messages. */
  size(): number {
    return this.count;
  }

  /** Queue a message with zero transmits, replacing a same-named one. */
  queue(message: Uint8Array, options: BroadcastOptions = {}): void {
    const name = options.name;
    if (name !== undefined) {
      const old = this.byName.get(name);
      if (old !== undefined) {
        this.remove(old);
        old.onFinished?.();
      }
    }
    this.idGen++;
    this.insert({
      message,
      length: message.length,
      id: this.idGen,
      transmits: 0,
      name,
      onFinished: options.onFinished,
      sentTo: options.heardFrom === undefined ? undefined : [this.peerNumber(options.heardFrom)],
    });
  }

  /** Length of the message the next `getBroadcasts` would take first (given room), or undefined. */
  nextLength(): number | undefined {
    if (this.count === 0) return undefined;
    const tiers = this.tiers;
    for (let t = 0; t < tiers.length; t++) {
      const tier = tiers[t] as Item[];
      if (tier.length > 0) return (tier[tier.length - 1] as Item).length;
    }
    return undefined;
  }

  /**
   * Drops the message queued under `name` (finished, as if replaced) so it is sent no more;
   * false if none is queued. For a sender whose newer state makes an older named message
   * obsolete without replacing it (a record now split into fewer parts).
   */
  invalidate(name: string): boolean {
    const old = this.byName.get(name);
    if (old === undefined) return false;
    this.remove(old);
    old.onFinished?.();
    return true;
  }

  /** True if a message is queued under `name`. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Take messages for one packet: repeatedly the first message (in queue order) with
   * `overhead + length` fitting the remaining room, until nothing fits. Each taken message
   * counts one transmit; those reaching the limit are finished and dropped. A message is
   * never returned twice by one call.
   *
   * @param overhead Per-message framing bytes (compound part length, user-message byte).
   * @param limit Total bytes available.
   * @param skip Messages (by identity) not to take, e.g. ones already in this packet.
   * @param maxCount Take at most this many (the Serf layer takes one head per queue first, so
   *   that no queue of its own can fill a packet alone).
   * @param peer The packet's recipient. A message already sent to this peer is passed over
   *   until it has gone to every peer, so its transmits spread over distinct peers: memberlist
   *   may spend two of its few transmits on one peer, which in a small cluster often leaves
   *   another to wait for push/pull (seconds to tens of seconds). The number of transmits is
   *   memberlist's; once every peer had one, the next pass may repeat (a hedge against loss).
   *   Without `peer`, exactly memberlist's behaviour.
   */
  getBroadcasts(
    overhead: number,
    limit: number,
    skip?: ReadonlySet<Uint8Array>,
    maxCount = Infinity,
    peer?: PacketPeer,
  ): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.count === 0) return out;
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const to = peer === undefined ? undefined : { number: this.peerNumber(peer.key), peers: peer.peers };
    let used = 0;
    // Taken items leave their tier and go back one tier up once the packet is full; their names
    // stay registered meanwhile (nothing else runs until then: callbacks come after).
    const reinsert: Item[] = [];
    let finished: Item[] | undefined;
    for (let t = 0; t < this.tiers.length && out.length < maxCount;) {
      const free = limit - used - overhead;
      if (free <= 0) break;
      const tier = this.tiers[t];
      const index = tier === undefined ? -1 : firstFitting(tier, free, skip, to);
      if (tier === undefined || index < 0) {
        t++;
        continue;
      }
      const item = tier[index] as Item;
      if (index === tier.length - 1) tier.pop();
      else tier.splice(index, 1);
      this.count--;
      used += overhead + item.length;
      out.push(item.message);
      if (to !== undefined) (item.sentTo ??= []).push(to.number);
      if (item.transmits + 1 >= transmitLimit) {
        if (item.name !== undefined) this.byName.delete(item.name);
        (finished ??= []).push(item);
      } else {
        item.transmits++;
        reinsert.push(item);
      }
    }
    for (const item of reinsert) this.place(item);
    if (finished !== undefined) for (const item of finished) item.onFinished?.();
    return out;
  }

  /** Drop the most-transmitted (then smallest, oldest) messages until at most `maxRetain` remain. */
  prune(maxRetain: number): void {
    for (let t = this.tiers.length - 1; t >= 0 && this.count > maxRetain; t--) {
      const tier = this.tiers[t];
      while (tier !== undefined && tier.length > 0 && this.count > maxRetain) {
        // The last to be sent (smallest, oldest) sits at the front of the reversed array.
        const item = tier.shift() as Item;
        this.count--;
        if (item.name !== undefined) this.byName.delete(item.name);
        item.onFinished?.();
      }
    }
    this.trimTiers();
  }

  /** Drop everything (each message finished). */
  reset(): void {
    for (const tier of this.tiers) for (const item of tier) item.onFinished?.();
    this.tiers.length = 0;
    this.byName.clear();
    this.count = 0;
    this.idGen = 0;
  }

  /** Snapshot in queue order, for tests and debugging: `[transmits, message]` pairs. */
  entries(): { readonly transmits: number; readonly message: Uint8Array; readonly name?: string }[] {
    const out: { transmits: number; message: Uint8Array; name?: string }[] = [];
    for (const tier of this.tiers) {
      for (let i = tier.length - 1; i >= 0; i--) {
        const item = tier[i] as Item;
        out.push(
          item.name === undefined
            ? { transmits: item.transmits, message: item.message }
            : { transmits: item.transmits, message: item.message, name: item.name },
        );
      }
    }
    return out;
  }

  /** Queues a new item: into its tier, and under its name. */
  private insert(item: Item): void {
    this.place(item);
    if (item.name !== undefined) this.byName.set(item.name, item);
  }

  /** Puts an item into the tier of its transmit count, in queue order. */
  private place(item: Item): void {
    while (this.tiers.length <= item.transmits) this.tiers.push([]);
    const tier = this.tiers[item.transmits] as Item[];
    const at = position(tier, item);
    if (at === tier.length) tier.push(item);
    else tier.splice(at, 0, item);
    this.count++;
  }

  /**
   * The small number standing for a peer's address key in `sentTo`. Bounded: past
   * {@link MAX_PEER_NUMBERS} (a long-lived node in a cluster whose members keep changing
   * addresses) every number and every `sentTo` list is forgotten, which only means some
   * messages may go to a peer they already reached.
   */
  private peerNumber(key: string): number {
    const known = this.peerNumbers.get(key);
    if (known !== undefined) return known;
    if (this.peerNumbers.size >= MAX_PEER_NUMBERS) {
      this.peerNumbers.clear();
      for (const tier of this.tiers) for (const item of tier) item.sentTo = undefined;
    }
    const number = this.peerNumbers.size;
    this.peerNumbers.set(key, number);
    return number;
  }

  private remove(item: Item): void {
    const tier = this.tiers[item.transmits];
    if (tier === undefined) return;
    const lo = position(tier, item);
    if (tier[lo] === item) {
      tier.splice(lo, 1);
      this.count--;
      if (item.name !== undefined) this.byName.delete(item.name);
    }
    if (this.count === 0) this.idGen = 0;
  }

  private trimTiers(): void {
    while (this.tiers.length > 0 && (this.tiers[this.tiers.length - 1] as Item[]).length === 0) {
      this.tiers.pop();
    }
  }
}

/**
 * Where `item` belongs in `tier`: arrays are kept in *reverse* transmit order (the next to send
 * is last), because the common operations then touch the end of the array: taking the next
 * broadcast is a pop, and a new or just-sent item (the newest id) lands near the end. With the
 * front-first order every take and re-insert shifted the whole tier, which at 1,000 nodes (a
 * thousand queued alives per node) dominated the simulator's profile.
 */
function position(tier: readonly Item[], item: Item): number {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(item, tier[mid] as Item)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index of the next item to send whose length is ≤ free (the largest, newest that fits), not in
 * `skip` and not sent to the peer `to` in its current pass over the peers, or -1.
 */
function firstFitting(
  tier: readonly Item[],
  free: number,
  skip: ReadonlySet<Uint8Array> | undefined,
  to: { readonly number: number; readonly peers: number } | undefined,
): number {
  // Lengths are non-decreasing along the array: binary search the first one too long; the best
  // candidate is the one just before it.
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tier[mid] as Item).length > free) hi = mid;
    else lo = mid + 1;
  }
  let index = lo - 1;
  if (skip === undefined && to === undefined) return index;
  for (; index >= 0; index--) {
    const item = tier[index] as Item;
    if (skip?.has(item.message) === true) continue;
    const sentTo = item.sentTo;
    if (to === undefined || sentTo === undefined || !sentTo.includes(to.number)) break;
    if (sentTo.length >= to.peers) {
      // Every peer had it: start the next pass.
      sentTo.length = 0;
      break;
    }
  }
  return index;
}
