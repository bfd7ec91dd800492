/**
 * The simulated network: what happens to a packet or a stream between two simulated nodes.
 *
 * Nodes are identified by their simulator index. The model is per link (directional):
 * latency = base + uniform jitter, independent loss and duplication per packet. On top of
 * that sit faults a scenario injects: partitions (groups that cannot reach each other),
 * paused nodes (SIGSTOP: the kernel still accepts datagrams into a bounded receive buffer and
 * hands them over on resume) and crashed nodes (datagrams vanish, TCP connects are refused).
 *
 * Every draw comes from the one injected {@link Rng}, so the network is replayable too.
 */
import type { Rng } from "../core/api.js";

/** Behaviour of one directional link. */
export interface LinkParams {
  /** Minimum one-way latency in milliseconds. */
  readonly baseLatencyMs: number;
  /** Extra one-way latency, uniform in [0, jitterMs). */
  readonly jitterMs: number;
  /** Probability in [0, 1] that a datagram is lost. */
  readonly loss: number;
  /** Probability in [0, 1] that a delivered datagram arrives twice. */
  readonly duplicate: number;
}

/** A LAN-like link: 0.5 ms to 1.5 ms one way, no loss, no duplication. */
export const DEFAULT_LINK: LinkParams = { baseLatencyMs: 0.5, jitterMs: 1, loss: 0, duplicate: 0 };

/**
 * Bytes a paused node's kernel keeps for it: memberlist asks for a 2 MB socket receive
 * buffer (PROTOCOL.md section 2.1). Datagrams beyond it are dropped, as the kernel would.
 */
export const DEFAULT_PAUSED_BUFFER_BYTES = 2 * 1024 * 1024;

/** TCP's initial retransmission timeout (RFC 6298 section 2.1; Linux's SYN timeout too). */
export const TCP_INITIAL_RTO_MS = 1_000;

/**
 * Retransmissions of one segment before the model stops adding delay: Linux's
 * `tcp_syn_retries` (6, about 127 s). Every dialer's own deadline is far shorter.
 */
const TCP_MAX_RETRANSMITS = 6;

/** TCP payload per segment on a 1,500-byte Ethernet MTU with timestamps (1,500 - 20 - 20 - 12). */
const TCP_MSS_BYTES = 1_448;

/** Condition of a simulated node as the network sees it. */
export type NodeCondition = "up" | "paused" | "crashed";

/** What becomes of a TCP connect. */
export type StreamOutcome =
  /** Connected; the request arrives after `latencyMs` (handshake plus one way). */
  | { readonly kind: "connected"; readonly latencyMs: number }
  /** Nothing listens (crashed host): RST after one round trip. */
  | { readonly kind: "refused"; readonly latencyMs: number }
  /** SYNs vanish (partition): the dialer only learns by its own timeout. */
  | { readonly kind: "unreachable" };

/**
 * The network model. `T` is what the simulator parks in a paused node's kernel buffer.
 */
export class Network<T> {
  private defaults: LinkParams;
  private readonly overrides = new Map<string, LinkParams>();
  private readonly conditions: NodeCondition[] = [];
  /** Partition group per node; nodes reach each other only inside one group. */
  private readonly groups: number[] = [];
  private partitioned = false;
  private readonly buffers = new Map<number, { items: T[]; bytes: number }>();
  /** Datagrams lost to the loss model, partitions, full buffers or crashed receivers. */
  droppedPackets = 0;
  /** Extra copies created by the duplication model. */
  duplicatedPackets = 0;
  /** TCP segments lost to the loss model (each costs a retransmission timeout). */
  droppedSegments = 0;

  constructor(
    private readonly rng: Rng,
    defaults: Partial<LinkParams> = {},
    private readonly pausedBufferBytes = DEFAULT_PAUSED_BUFFER_BYTES,
  ) {
    this.defaults = { ...DEFAULT_LINK, ...defaults };
  }

  /** Changes the parameters of every link that has no override (e.g. cluster-wide loss). */
  setDefaults(params: Partial<LinkParams>): void {
    this.defaults = { ...this.defaults, ...params };
  }

  /** The current default link parameters. */
  get defaultLink(): LinkParams {
    return this.defaults;
  }

  /** Overrides the link from `from` to `to` (one direction only). */
  setLink(from: number, to: number, params: Partial<LinkParams>): void {
    this.overrides.set(linkKey(from, to), { ...this.link(from, to), ...params });
  }

  /** Removes every per-link override. */
  clearLinks(): void {
    this.overrides.clear();
  }

  /** Parameters in force on the link from `from` to `to`. */
  link(from: number, to: number): LinkParams {
    if (this.overrides.size === 0) return this.defaults;
    return this.overrides.get(linkKey(from, to)) ?? this.defaults;
  }

  /** Condition of a node (`up` until told otherwise). */
  condition(node: number): NodeCondition {
    return this.conditions[node] ?? "up";
  }

  /** Sets a node's condition; leaving `paused` does not drain its buffer (see {@link drainBuffer}). */
  setCondition(node: number, condition: NodeCondition): void {
    this.conditions[node] = condition;
    if (condition === "crashed") this.buffers.delete(node);
  }

  /**
   * Splits the network: each listed group can reach only itself. Nodes not listed form one
   * more group of their own. Replaces any earlier partition.
   */
  partition(groups: readonly (readonly number[])[]): void {
    this.groups.length = 0;
    groups.forEach((members, index) => {
      for (const node of members) this.groups[node] = index + 1;
    });
    this.partitioned = true;
  }

  /** Removes every partition. */
  heal(): void {
    this.groups.length = 0;
    this.partitioned = false;
  }

  /** True while a partition is in force. */
  get isPartitioned(): boolean {
    return this.partitioned;
  }

  /** True if the partition lets `a` and `b` talk (crash and pause are not considered). */
  canReach(a: number, b: number): boolean {
    return !this.partitioned || (this.groups[a] ?? 0) === (this.groups[b] ?? 0);
  }

  /** One-way latency draw for the link. */
  latency(from: number, to: number): number {
    const link = this.link(from, to);
    return link.baseLatencyMs + (link.jitterMs > 0 ? this.rng.next() * link.jitterMs : 0);
  }

  /**
   * Fate of one datagram sent now: the one-way latency of every copy that will arrive
   * (empty when it is lost). Whether the receiver is up is decided at arrival time.
   */
  datagram(from: number, to: number): number[] {
    if (!this.canReach(from, to)) {
      this.droppedPackets++;
      return [];
    }
    const link = this.link(from, to);
    if (link.loss > 0 && this.rng.next() < link.loss) {
      this.droppedPackets++;
      return [];
    }
    const first = this.latency(from, to);
    if (link.duplicate > 0 && this.rng.next() < link.duplicate) {
      this.duplicatedPackets++;
      return [first, this.latency(from, to)];
    }
    return [first];
  }

  /**
   * Fate of a TCP connect from `from` to `to` started now, carrying a `requestBytes` request.
   * Partitions and crashed hosts decide the outcome; link loss shows up as TCP shows it, as
   * delay: every segment (SYN, SYN-ACK, each MSS-sized piece of the request) is lost with the
   * link's probability and then retransmitted after the RTO, which starts at
   * {@link TCP_INITIAL_RTO_MS} and doubles per further loss of the same segment (RFC 6298).
   * Without that, a TCP fallback ping under loss would always succeed in a few milliseconds
   * and the loss scenarios would never exercise suspicion at all. The caller bounds the result
   * by the dialer's own deadline (a request that arrives later than it is a timeout).
   */
  stream(from: number, to: number, requestBytes = 0): StreamOutcome {
    const rtt = this.latency(from, to) + this.latency(to, from);
    if (!this.canReach(from, to)) return { kind: "unreachable" };
    // SYN out, then SYN-ACK (or the RST of a closed port) back.
    const handshake = rtt + this.retransmitDelay(from, to, 1) + this.retransmitDelay(to, from, 1);
    if (this.condition(to) === "crashed") return { kind: "refused", latencyMs: handshake };
    // Then the request itself one way.
    return {
      kind: "connected",
      latencyMs:
        handshake + this.latency(from, to) + this.retransmitDelay(from, to, segmentsOf(requestBytes)),
    };
  }

  /**
   * One-way delay of `bytes` written on an established TCP connection from `from` to `to`
   * (a stream's reply): the link's latency plus retransmission delay as in {@link stream}.
   */
  streamTransfer(from: number, to: number, bytes: number): number {
    return this.latency(from, to) + this.retransmitDelay(from, to, segmentsOf(bytes));
  }

  /**
   * Extra delay TCP's retransmissions add to `segments` segments sent together on the link:
   * each lost copy of a segment costs the current RTO ({@link TCP_INITIAL_RTO_MS}, doubling per
   * loss of that segment). Segments of one window are in flight, and recovered, side by side,
   * so the window arrives when its slowest segment does: the maximum, not the sum. No draws at
   * all on a loss-free link, so loss-free runs replay exactly as they did before this model.
   */
  private retransmitDelay(from: number, to: number, segments: number): number {
    const { loss } = this.link(from, to);
    if (loss <= 0) return 0;
    let worst = 0;
    for (let segment = 0; segment < segments; segment++) {
      let delay = 0;
      let rto = TCP_INITIAL_RTO_MS;
      for (let attempt = 0; attempt < TCP_MAX_RETRANSMITS && this.rng.next() < loss; attempt++) {
        this.droppedSegments++;
        delay += rto;
        rto *= 2;
      }
      if (delay > worst) worst = delay;
    }
    return worst;
  }

  /**
   * Parks an item for a paused node, as its kernel would. Returns false (and counts a drop)
   * when the buffer is full.
   */
  bufferForPaused(node: number, item: T, bytes: number): boolean {
    let buffer = this.buffers.get(node);
    if (buffer === undefined) {
      buffer = { items: [], bytes: 0 };
      this.buffers.set(node, buffer);
    }
    if (buffer.bytes + bytes > this.pausedBufferBytes) {
      this.droppedPackets++;
      return false;
    }
    buffer.items.push(item);
    buffer.bytes += bytes;
    return true;
  }

  /** Takes everything buffered for a node, oldest first. */
  drainBuffer(node: number): T[] {
    const buffer = this.buffers.get(node);
    this.buffers.delete(node);
    return buffer?.items ?? [];
  }
}

/** Segments a write of `bytes` takes (at least one: even an empty request sends a segment). */
function segmentsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / TCP_MSS_BYTES));
}

function linkKey(from: number, to: number): string {
  return `${from}>${to}`;
}
