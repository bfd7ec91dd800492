/**
 * The memberlist layer of the pure core: composes membership, probing, suspicion, awareness,
 * the broadcast queue, gossip, push/pull and leave into one sans-I/O state machine.
 *
 * Input methods (`onPacket`, `onStream`, `onTimer`, …) return nothing; every directive they
 * cause is appended to one outbox, which the owner (the Serf layer's `SwimNode` facade) empties
 * with {@link Memberlist.drain} before returning to the shell (see `delegate.ts`, "Outbox").
 * Nothing here throws out of an input method on bad input: malformed packets and streams are
 * counted and reported as `decodeFailed` events.
 *
 * Typical use by the layer above:
 *
 * ```ts
 * const ml = new Memberlist({ name, address, config, rng, delegate });
 * ml.start(nowMs);                       // alive about self, tickers armed
 * // for every shell input:
 * ml.onPacket(from, bytes, nowMs);       // delegate callbacks run inside
 * return ml.drain();                     // directives + events, in order
 * // the shell's one timer:
 * ml.nextDeadline();                     // then ml.onTimer(nowMs)
 * ```
 *
 * Seeds passed to `join` are IP addresses; name resolution belongs to the shell.
 */

import type { Address, DialFailure, Directive, Rng, StreamId, SwimEvent, TcpPingOutcome } from "./api.js";
import type {
  Alive,
  Dead,
  IndirectPing,
  PacketMessage,
  Ping,
  AckResp,
  NackResp,
  StreamMessage,
  Suspect,
} from "../codec/types.js";
import { decodeMessage, encodeMessage } from "../codec/memberlist-messages.js";
import { encodePacket, forEachPacketMessage } from "../codec/packet.js";
import { MessageType } from "../codec/types.js";
import { MAX_COMPOUND_PARTS, encodeCompounds } from "../codec/compound.js";
import { decodeStreamMessage, encodeStreamMessage } from "../codec/stream.js";
import { addressKey, ipToBytes } from "./address.js";
import { Awareness } from "./awareness.js";
import { TransmitLimitedQueue, type PacketPeer } from "./broadcast-queue.js";
import { META_MAX_SIZE } from "./config.js";
import type { MemberlistConfig } from "./config.js";
import { DeadlineCalendar, nextTick } from "./deadline-calendar.js";
import type { TimerHandle } from "./deadline-calendar.js";
import type { MemberlistDelegate, MemberlistHandle, NodeView } from "./delegate.js";
import { COMPOUND_HEADER_OVERHEAD, COMPOUND_PART_OVERHEAD, gossipTargets, takeBroadcasts } from "./gossip.js";
import { InboundQueue } from "./inbound-queue.js";
import { Membership } from "./membership.js";
import { viewOf } from "./node-list.js";
import type { NodeRecord } from "./node-list.js";
import { Prober } from "./probe.js";
import { localPushPull, mergeRemoteState, pushPullScaleMs } from "./push-pull.js";
import { pickRandom } from "./rng.js";

/** Message types memberlist hands to its handler queues rather than handling as they are read. */
function isHandedOff(type: number): boolean {
  return (
    type === MessageType.alive ||
    type === MessageType.suspect ||
    type === MessageType.dead ||
    type === MessageType.user
  );
}

/** The first 12 bytes of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), joined as text. */
const V4_MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff].join();

/** Everything a {@link Memberlist} is built from. */
export interface MemberlistOptions {
  /** Unique node name. */
  readonly name: string;
  /** Address advertised to peers (IP literal and port; UDP and TCP share the port). */
  readonly address: Address;
  readonly config: MemberlistConfig;
  /** Injected randomness (derive one stream per node: `createRng(deriveSeed(seed, name))`). */
  readonly rng: Rng;
  readonly delegate: MemberlistDelegate;
}

/** A member of a formed cluster, for {@link Memberlist.adoptFormedView}. */
export interface FormedPeer {
  readonly name: string;
  readonly address: Address;
  /** Its node metadata (Serf's encoded tags). */
  readonly meta: Uint8Array;
}

/** What an outbound stream is for. */
type DialPurpose =
  | {
      readonly kind: "tcpPing";
      readonly seqNo: number;
      readonly onResult: (outcome: TcpPingOutcome) => void;
      readonly to: Address;
    }
  | {
      readonly kind: "pushPull";
      readonly join: boolean;
      readonly joinId: number | undefined;
      readonly to: Address;
    };

interface JoinAttempt {
  pending: number;
  contacted: number;
  readonly failed: Address[];
  /** No `joinCompleted` event (Serf's reconnect attempts are not joins the shell asked for). */
  readonly silent: boolean;
}

/** Counters for metrics and tests. */
export interface MemberlistStats {
  decodeFailures: number;
  packetsSent: number;
  gossipPackets: number;
  pushPullsInitiated: number;
  pushPullsServed: number;
}

/** memberlist as a pure state machine. Implements the handle the Serf layer calls. */
export class Memberlist implements MemberlistHandle {
  /** This node's name. */
  readonly name: string;
  /** Tuning in force. */
  readonly config: MemberlistConfig;
  /** Lifeguard's health score. */
  readonly awareness: Awareness;
  /** memberlist's own broadcast queue (alive/suspect/dead). */
  readonly broadcasts: TransmitLimitedQueue;
  /** The node list and its merge rules. */
  readonly membership: Membership;
  /** Counters. */
  readonly stats: MemberlistStats = {
    decodeFailures: 0,
    packetsSent: 0,
    gossipPackets: 0,
    pushPullsInitiated: 0,
    pushPullsServed: 0,
  };

  private readonly rng: Rng;
  private readonly delegate: MemberlistDelegate;
  private readonly calendar = new DeadlineCalendar();
  private readonly prober: Prober;
  private readonly advertiseAddr: Uint8Array;
  private readonly advertisePort: number;
  private readonly outbox: Directive[] = [];
  private readonly dials = new Map<StreamId, DialPurpose>();
  private readonly joins = new Map<number, JoinAttempt>();
  private nextStreamId = 1;
  private nextJoinId = 1;
  private seqNo = 0;
  private started = false;
  private leaving = false;
  private leaveDone = false;
  /** When {@link gossipNews} last sent a round. */
  private lastNewsGossipMs = -Infinity;
  /** Set by {@link relaySoon} while a packet is handled; relayed once it has been. */
  private relayPending = false;
  /** Address key of the sender whose alive, suspect or dead message is being handled. */
  private handlingFrom: string | undefined;
  private leaveTimer: TimerHandle | undefined;
  /** Set by {@link deferInbound}: gossip messages wait in {@link inbound} for {@link handleInbound}. */
  private inboundDeferred = false;
  private readonly inbound: InboundQueue;
  private gossipTimer: TimerHandle | undefined;
  private pushPullTimer: TimerHandle | undefined;

  constructor(options: MemberlistOptions) {
    this.name = options.name;
    this.config = options.config;
    this.rng = options.rng;
    this.delegate = options.delegate;
    const addr = ipToBytes(options.address.host);
    if (addr === undefined)
      throw new RangeError(`memberlist: advertise address must be an IP literal: ${options.address.host}`);
    this.advertiseAddr = addr;
    this.advertisePort = options.address.port;
    this.inbound = new InboundQueue(this.config.handoffQueueDepth);
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier, (score) =>
      this.emit({ kind: "healthScoreChanged", score }),
    );
    this.broadcasts = new TransmitLimitedQueue(this.config.retransmitMult, () =>
      this.membership.nodes.size(),
    );
    this.membership = new Membership({
      name: this.name,
      config: this.config,
      rng: this.rng,
      calendar: this.calendar,
      awareness: this.awareness,
      delegate: this.delegate,
      localPort: this.advertisePort,
      isLeaving: () => this.leaving,
      broadcast: (name, message, onFinished) => this.queueBroadcast(name, message, onFinished),
      emit: (event) => this.emit(event),
    });
    this.prober = new Prober({
      name: this.name,
      config: this.config,
      rng: this.rng,
      calendar: this.calendar,
      awareness: this.awareness,
      delegate: this.delegate,
      membership: this.membership,
      advertise: () => ({ addr: this.advertiseAddr, port: this.advertisePort }),
      nextSeqNo: () => this.nextSeqNo(),
      sendMsg: (to, message) => this.sendMsg(to, message),
      sendRaw: (to, messages, node) => this.sendRaw(to, messages, node),
      dialPing: (to, ping, timeoutMs, onResult) => this.dialPing(to, ping, timeoutMs, onResult),
      emit: (event) => this.emit(event),
    });
  }

  // ---------------------------------------------------------------------------------------
  // Lifecycle and outbox
  // ---------------------------------------------------------------------------------------

  /**
   * Become alive (incarnation 1, meta from the delegate; the delegate hears notifyJoin about
   * ourselves, as in memberlist) and start the probe, gossip and push/pull tickers, each with a
   * random stagger. Call once, after the delegate is wired.
   */
  start(nowMs: number): void {
    if (this.started) return;
    this.started = true;
    const meta = this.delegate.nodeMeta(META_MAX_SIZE);
    this.membership.aliveNode(this.localAlive(this.membership.nextIncarnation(), meta), nowMs, true);
    this.prober.start(nowMs);
    const c = this.config;
    if (c.gossipIntervalMs > 0 && c.gossipNodes > 0) {
      this.scheduleGossip(nowMs + this.rng.next() * c.gossipIntervalMs);
    }
    if (c.pushPullIntervalMs > 0) {
      this.schedulePushPull(nowMs + this.rng.next() * c.pushPullIntervalMs);
    }
  }

  /** Stop all tickers (the node keeps answering inputs). */
  shutdown(): void {
    this.prober.stop();
    this.calendar.cancel(this.gossipTimer);
    this.calendar.cancel(this.pushPullTimer);
  }

  /** Remove and return every directive produced since the last drain, in order. */
  drain(): Directive[] {
    return this.outbox.splice(0, this.outbox.length);
  }

  /** Append an event to the outbox. */
  emit(event: SwimEvent): void {
    this.outbox.push({ kind: "event", event });
  }

  /** The earliest `nowMs` at which {@link onTimer} must run, or undefined. */
  nextDeadline(): number | undefined {
    return this.calendar.next();
  }

  /** Run everything due at or before `nowMs`. */
  onTimer(nowMs: number): void {
    this.calendar.runDue(nowMs);
  }

  // ---------------------------------------------------------------------------------------
  // Inputs
  // ---------------------------------------------------------------------------------------

  /**
   * One UDP packet arrived. Never throws: bad packets become `decodeFailed` events. Pings,
   * indirect pings, acks and nacks are handled at once; alive, suspect, dead and user messages
   * too, unless {@link deferInbound} was called, in which case they are queued for
   * {@link handleInbound} (or dropped with an `inputRefused` event when their queue is full).
   */
  onPacket(from: Address, bytes: Uint8Array, nowMs: number): void {
    try {
      forEachPacketMessage(bytes, (message) => {
        if (this.inboundDeferred && isHandedOff(message[0] as number) && !this.isAboutSelf(message)) {
          this.handOff(message, from);
        } else this.handleEncoded(message, from, nowMs);
      });
    } catch (err) {
      this.decodeFailed(from, err);
    }
    this.relayIfPending(nowMs);
  }

  relaySoon(): void {
    this.relayPending = true;
  }

  /**
   * After a packet, a batch of queued messages or a stream: the relay {@link relaySoon} asked
   * for (the facade calls it after every input, so a user message over TCP is relayed too).
   */
  relayIfPending(nowMs: number): void {
    if (!this.relayPending) return;
    this.relayPending = false;
    this.gossipNews(nowMs);
  }

  /**
   * From now on, queue received gossip messages instead of handling them inside
   * {@link onPacket}: memberlist's split between its packet reader and its message handler,
   * for a shell that calls {@link handleInbound} once its sockets have been read. A shell that
   * never calls this (the simulator) sees every message handled as it arrives.
   */
  deferInbound(): void {
    this.inboundDeferred = true;
  }

  /** Gossip messages waiting for {@link handleInbound}. */
  inboundPending(): number {
    return this.inbound.size();
  }

  /**
   * Handles up to `max` queued gossip messages, alive first, newest first; `onSender` hears
   * each one's sender before it is handled (the Serf layer attributes refusals to it).
   */
  handleInbound(nowMs: number, max: number, onSender?: (from: Address) => void): void {
    for (let i = 0; i < max; i++) {
      const next = this.inbound.take();
      if (next === undefined) return;
      onSender?.(next.from);
      this.handleEncoded(next.bytes, next.from, nowMs);
    }
    this.relayIfPending(nowMs);
  }

  /**
   * True for a suspect or dead message about this node. Shoal handles those at once rather than
   * queuing them (memberlist queues them behind the alive queue): refuting is this node's most
   * urgent work, and in a join storm the alive queue never empties, so a queued accusation would
   * wait until this node had been declared dead. Decoding the small message twice is the price.
   */
  private isAboutSelf(message: Uint8Array): boolean {
    const type = message[0] as number;
    if (type !== MessageType.suspect && type !== MessageType.dead) return false;
    try {
      const decoded = decodeMessage(message);
      return (decoded.kind === "suspect" || decoded.kind === "dead") && decoded.node === this.name;
    } catch {
      return false; // queued, and reported as undecodable when handled
    }
  }

  /** Queues one gossip message for {@link handleInbound}, dropping the oldest queued one when full. */
  private handOff(message: Uint8Array, from: Address): void {
    const type = message[0] as number;
    if (this.inbound.push(type === MessageType.alive, { bytes: message, from })) return;
    this.emit({
      kind: "inputRefused",
      limit: "handoffQueueFull",
      reason: `handler queue full: dropped the oldest ${type === MessageType.alive ? "alive" : "suspect, dead or user"} message`,
      from,
    });
  }

  /** Decodes and handles one message; a malformed one becomes a `decodeFailed` event. */
  private handleEncoded(message: Uint8Array, from: Address, nowMs: number): void {
    try {
      this.handleMessage(decodeMessage(message), from, nowMs);
    } catch (err) {
      this.decodeFailed(from, err);
    }
  }

  /** One inbound stream message arrived; answers with a `reply` directive where one is due. */
  onStream(streamId: StreamId, from: Address, bytes: Uint8Array, nowMs: number): void {
    let msg: StreamMessage;
    try {
      msg = decodeStreamMessage(bytes);
    } catch (err) {
      this.decodeFailed(from, err);
      this.reply(streamId, { kind: "err", error: errorText(err) });
      return;
    }
    try {
      switch (msg.kind) {
        case "pushPull": {
          this.stats.pushPullsServed++;
          // Listener: answer with our state first, then merge theirs (memberlist order).
          this.reply(streamId, localPushPull(this.membership, this.delegate, msg.join));
          mergeRemoteState(this.membership, this.delegate, msg, nowMs);
          // A node joining through us: we are the first to know, so tell others at once.
          if (msg.join) this.relayPending = true;
          return;
        }
        case "ping":
          if (msg.node !== "" && msg.node !== this.name) return;
          this.reply(streamId, { kind: "ackResp", seqNo: msg.seqNo, payload: null });
          return;
        case "user":
          this.delegate.notifyMsg(msg.payload, from, nowMs);
          return;
        default:
          return;
      }
    } catch (err) {
      this.decodeFailed(from, err);
    }
  }

  /** The answer to one of our dials arrived. */
  onStreamReply(streamId: StreamId, bytes: Uint8Array, nowMs: number): void {
    const purpose = this.dials.get(streamId);
    if (purpose === undefined) return;
    this.dials.delete(streamId);
    let msg: StreamMessage;
    try {
      msg = decodeStreamMessage(bytes);
    } catch (err) {
      this.decodeFailed(purpose.to, err);
      this.dialFailed(purpose, nowMs);
      return;
    }
    if (purpose.kind === "tcpPing") {
      purpose.onResult(msg.kind === "ackResp" && msg.seqNo === purpose.seqNo ? "acked" : "failed");
      return;
    }
    if (msg.kind !== "pushPull") {
      this.dialFailed(purpose, nowMs);
      return;
    }
    let problem: string | undefined;
    try {
      problem = mergeRemoteState(this.membership, this.delegate, msg, nowMs);
    } catch (err) {
      problem = errorText(err);
    }
    if (problem !== undefined) this.dialFailed(purpose, nowMs);
    else {
      // Joined: our own alive goes out at once rather than at the next tick.
      if (purpose.joinId !== undefined) this.relayPending = true;
      this.joinProgress(purpose.joinId, purpose.to, true);
    }
  }

  /** One of our dials failed. */
  onStreamFailed(streamId: StreamId, failure: DialFailure, nowMs: number): void {
    const purpose = this.dials.get(streamId);
    if (purpose === undefined) return;
    this.dials.delete(streamId);
    this.dialFailed(purpose, nowMs, failure.refused);
  }

  /**
   * The shell measured an event-loop delay. A stall of at least ProbeTimeout counts as +1 to
   * the health score, at most once per probe interval (see {@link Awareness.onLocalDelay}).
   */
  onLocalDelay(delayMs: number, nowMs: number): void {
    this.awareness.onLocalDelay(delayMs, this.config.probeTimeoutMs, this.config.probeIntervalMs, nowMs);
  }

  // ---------------------------------------------------------------------------------------
  // Commands (MemberlistHandle)
  // ---------------------------------------------------------------------------------------

  /**
   * Push/pull (Join=true) with each seed but this node's own address; a `joinCompleted` event
   * follows when all answered (`contacted: 0` if only our own address was given), unless `silent`.
   */
  join(seeds: readonly Address[], _nowMs: number, options?: { readonly silent?: boolean }): void {
    const joinId = this.nextJoinId++;
    const silent = options?.silent === true;
    // Our own address is not dialed: the push/pull with ourselves would succeed and count as
    // a contact although no other node was reached, so a seed list naming every node (a
    // StatefulSet's pods, this one included) could end a retry-join with the node alone.
    const others = seeds.filter((seed) => !this.isOwnAddress(seed));
    if (others.length === 0) {
      if (!silent) this.emit({ kind: "joinCompleted", contacted: 0, failed: [] });
      return;
    }
    this.joins.set(joinId, { pending: others.length, contacted: 0, failed: [], silent });
    for (const seed of others) this.dialPushPull(seed, true, joinId);
  }

  /**
   * True if `address` is this node's advertised IP and port, however the IP is spelled
   * (IPv4-mapped IPv6, as a dual-stack resolver may answer, counts as the IPv4 address).
   */
  private isOwnAddress(address: Address): boolean {
    if (address.port !== this.advertisePort) return false;
    const bytes = ipToBytes(address.host);
    if (bytes === undefined) return false;
    const mine = this.advertiseAddr;
    const mapped = bytes.length === 16 && mine.length === 4 && bytes.subarray(0, 12).join() === V4_MAPPED;
    const ip = mapped ? bytes.subarray(12) : bytes;
    return ip.length === mine.length && ip.every((b, i) => b === mine[i]);
  }

  /** Graceful leave: broadcast dead-about-self; `leaveCompleted` follows. */
  leave(nowMs: number): void {
    if (this.leaving) return;
    this.leaving = true;
    const me = this.membership.self();
    this.membership.deadNode(
      { kind: "dead", incarnation: me.incarnation, node: this.name, from: this.name },
      nowMs,
      () => this.completeLeave(),
    );
    const anyAlive = this.membership.nodes
      .all()
      .some((n) => n.name !== this.name && n.state !== "dead" && n.state !== "left");
    if (!anyAlive) {
      this.completeLeave();
      return;
    }
    if (this.config.leaveTimeoutMs > 0) {
      this.leaveTimer = this.calendar.schedule(nowMs + this.config.leaveTimeoutMs, () =>
        this.completeLeave(),
      );
    }
    // memberlist waits for the next gossip tick; a leaving node has nothing better to do than
    // to send its own dead message at once (up to one gossip interval sooner everywhere).
    this.gossip(nowMs);
  }

  /** True once a leave started. */
  isLeaving(): boolean {
    return this.leaving;
  }

  /** Re-read the delegate's meta and gossip alive with a new incarnation (memberlist's UpdateNode). */
  updateNode(nowMs: number): void {
    const meta = this.delegate.nodeMeta(META_MAX_SIZE);
    this.membership.aliveNode(this.localAlive(this.membership.nextIncarnation(), meta), nowMs, true);
  }

  /** Send a delegate message directly to an address as a UDP user message. */
  sendToAddress(to: Address, userMsg: Uint8Array): void {
    this.sendMsg(to, { kind: "user", payload: userMsg });
  }

  /**
   * Send a delegate message over TCP (memberlist's SendReliable): a one-way `dial` whose
   * failure, if any, is ignored. For messages too large for a packet.
   */
  sendReliable(to: Address, userMsg: Uint8Array): void {
    const streamId = this.nextStreamId++;
    const bytes = encodeStreamMessage(
      { kind: "user", payload: userMsg },
      { compress: this.config.enableCompression },
    );
    this.outbox.push({
      kind: "dial",
      streamId,
      to,
      bytes,
      expectReply: false,
      timeoutMs: this.config.tcpTimeoutMs,
    });
  }

  /** estNumNodes: every known node, self and not-yet-reaped dead ones included. */
  numMembers(): number {
    return this.membership.nodes.size();
  }

  /** Snapshots of every known node. */
  members(): readonly NodeView[] {
    return this.membership.nodes.all().map(viewOf);
  }

  /** Snapshot of one node. */
  node(name: string): NodeView | undefined {
    const n = this.membership.nodes.get(name);
    return n === undefined ? undefined : viewOf(n);
  }

  /** Snapshot of this node. */
  localNode(): NodeView {
    return viewOf(this.membership.self());
  }

  /** Lifeguard's local health score. */
  healthScore(): number {
    return this.awareness.healthScore();
  }

  // ---------------------------------------------------------------------------------------
  // Dispatch
  // ---------------------------------------------------------------------------------------

  private handleMessage(msg: PacketMessage, from: Address, nowMs: number): void {
    switch (msg.kind) {
      case "ping":
        this.prober.handlePing(msg, from);
        return;
      case "indirectPing":
        this.prober.handleIndirectPing(msg, from, nowMs);
        return;
      case "ackResp":
        this.prober.handleAck(msg, nowMs);
        return;
      case "nackResp":
        this.prober.handleNack(msg);
        return;
      case "alive":
      case "suspect":
      case "dead":
        this.handlingFrom = addressKey(from);
        try {
          if (msg.kind === "alive") this.membership.aliveNode(msg, nowMs);
          else if (msg.kind === "suspect") this.membership.suspectNode(msg, nowMs);
          else this.membership.deadNode(msg, nowMs);
        } finally {
          this.handlingFrom = undefined;
        }
        return;
      case "user":
        this.delegate.notifyMsg(msg.payload, from, nowMs);
        return;
    }
  }

  private decodeFailed(from: Address, err: unknown): void {
    this.stats.decodeFailures++;
    this.emit({ kind: "decodeFailed", from, reason: errorText(err) });
  }

  // ---------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------

  /** Bytes available for one packet after the shell's label/encryption framing. */
  private packetBudget(): number {
    return this.config.udpBufferSize - this.config.packetOverheadBytes;
  }

  /** memberlist `sendMsg`: one message plus as many piggybacked broadcasts as fit. */
  private sendMsg(
    to: Address,
    message: Ping | IndirectPing | AckResp | NackResp | { kind: "user"; payload: Uint8Array },
  ): void {
    const encoded = encodeMessage(message);
    const avail = this.packetBudget() - encoded.length - COMPOUND_HEADER_OVERHEAD;
    const extra = takeBroadcasts(
      this.broadcasts,
      this.delegate,
      COMPOUND_PART_OVERHEAD,
      avail,
      this.config.userBroadcastReserveBytes,
      this.packetPeer(to),
    );
    // A compound holds at most 255 parts; tiny broadcasts could exceed that in a huge budget.
    if (extra.length > MAX_COMPOUND_PARTS - 1) extra.length = MAX_COMPOUND_PARTS - 1;
    // As memberlist: the generic path looks the recipient up by IP, which only matches when node
    // names are IPs, so CRC is normally absent on acks and indirect pings.
    this.pushPacket(to, [encoded, ...extra], false);
  }

  /** The recipient of a packet being filled with broadcasts (see `PacketPeer`). */
  private packetPeer(to: Address): PacketPeer {
    return { key: addressKey(to), peers: this.membership.nodes.size() - 1 };
  }

  /** One packet of exactly these messages, CRC if the known recipient speaks protocol ≥ 5. */
  private sendRaw(to: Address, messages: readonly (Ping | Suspect)[], node: NodeRecord | undefined): void {
    this.pushPacket(
      to,
      messages.map((m) => encodeMessage(m)),
      node !== undefined && (node.vsn[1] ?? 0) >= 5,
    );
  }

  private pushPacket(to: Address, messages: readonly Uint8Array[], crc: boolean): void {
    const bytes = encodePacket(messages, { compress: this.config.enableCompression, crc });
    this.stats.packetsSent++;
    this.outbox.push({ kind: "send", to, bytes });
  }

  private queueBroadcast(name: string, message: Alive | Suspect | Dead, onFinished?: () => void): void {
    const bytes = encodeMessage(message);
    // A re-broadcast of what the sender of the packet being handled told us: that sender has
    // it. Never for news about ourselves (a refutation is news to the accuser too).
    const heardFrom = message.node === this.name ? undefined : this.handlingFrom;
    // Relayed at once: a graceful leave (dead from the node itself), like a leave intent; and
    // alive or dead news that breaks a quiet spell (nothing queued). In a join storm the queue
    // never empties and alive news keeps the ticker's pace. Suspicions always do.
    if (
      heardFrom !== undefined &&
      message.kind !== "suspect" &&
      ((message.kind === "dead" && message.from === message.node) || this.broadcasts.size() === 0)
    ) {
      this.relayPending = true;
    }
    this.broadcasts.queue(bytes, {
      name,
      ...(onFinished === undefined ? {} : { onFinished }),
      ...(heardFrom === undefined ? {} : { heardFrom }),
    });
  }

  /**
   * Start out as one member of an already formed, quiet cluster: every peer becomes an alive
   * member at incarnation 1 (what each node's own alive carries after `start`), unannounced, and
   * our start-up alive is dropped from the queue, as gossip would have drained it by then.
   *
   * Why: forming N nodes by joins costs about N² × the retransmit limit message receptions
   * before the queues are quiet (16 million at 1,000 nodes), which is what the simulator's
   * large-cluster runs want to skip when they measure one update in a formed cluster. Agents
   * never use this; they join.
   */
  adoptFormedView(peers: readonly FormedPeer[], nowMs: number): void {
    const vsn = Array.from(this.localAlive(1, new Uint8Array(0)).vsn);
    for (const peer of peers) {
      if (peer.name === this.name) continue;
      const addrBytes = ipToBytes(peer.address.host);
      if (addrBytes === undefined) {
        throw new RangeError(`peer ${peer.name}: not an IP literal: ${peer.address.host}`);
      }
      this.membership.adopt(
        { name: peer.name, address: peer.address, addrBytes, meta: peer.meta, incarnation: 1, vsn },
        nowMs,
      );
    }
    this.broadcasts.reset();
  }

  private localAlive(incarnation: number, meta: Uint8Array): Alive {
    const c = this.config;
    return {
      kind: "alive",
      incarnation,
      node: this.name,
      addr: this.advertiseAddr,
      port: this.advertisePort,
      meta,
      vsn: Uint8Array.from([
        c.protocolMin,
        c.protocolMax,
        c.protocolVersion,
        c.delegateProtocolMin,
        c.delegateProtocolMax,
        c.delegateProtocolVersion,
      ]),
    };
  }

  private nextSeqNo(): number {
    this.seqNo = (this.seqNo + 1) >>> 0;
    return this.seqNo;
  }

  private reply(streamId: StreamId, msg: StreamMessage): void {
    const bytes = encodeStreamMessage(msg, { compress: this.config.enableCompression });
    this.outbox.push({ kind: "reply", streamId, bytes });
  }

  private dial(to: Address, msg: StreamMessage, timeoutMs: number, purpose: DialPurpose): StreamId {
    const streamId = this.nextStreamId++;
    this.dials.set(streamId, purpose);
    const bytes = encodeStreamMessage(msg, { compress: this.config.enableCompression });
    const pushPull = purpose.kind === "pushPull";
    this.outbox.push({ kind: "dial", streamId, to, bytes, expectReply: true, timeoutMs, pushPull });
    return streamId;
  }

  private dialPing(
    to: Address,
    ping: Ping,
    timeoutMs: number,
    onResult: (outcome: TcpPingOutcome) => void,
  ): StreamId {
    return this.dial(to, ping, timeoutMs, { kind: "tcpPing", seqNo: ping.seqNo, onResult, to });
  }

  private dialPushPull(to: Address, join: boolean, joinId: number | undefined): void {
    this.stats.pushPullsInitiated++;
    this.dial(to, localPushPull(this.membership, this.delegate, join), this.config.tcpTimeoutMs, {
      kind: "pushPull",
      join,
      joinId,
      to,
    });
  }

  private dialFailed(purpose: DialPurpose, _nowMs: number, refused = false): void {
    if (purpose.kind === "tcpPing") purpose.onResult(refused ? "refused" : "failed");
    else this.joinProgress(purpose.joinId, purpose.to, false);
  }

  private joinProgress(joinId: number | undefined, to: Address, ok: boolean): void {
    if (joinId === undefined) return;
    const attempt = this.joins.get(joinId);
    if (attempt === undefined) return;
    attempt.pending--;
    if (ok) attempt.contacted++;
    else attempt.failed.push(to);
    if (attempt.pending === 0) {
      this.joins.delete(joinId);
      if (!attempt.silent) {
        this.emit({ kind: "joinCompleted", contacted: attempt.contacted, failed: attempt.failed });
      }
    }
  }

  private completeLeave(): void {
    if (this.leaveDone) return;
    this.leaveDone = true;
    this.calendar.cancel(this.leaveTimer);
    this.emit({ kind: "leaveCompleted" });
  }

  // ---------------------------------------------------------------------------------------
  // Tickers
  // ---------------------------------------------------------------------------------------

  private scheduleGossip(atMs: number): void {
    this.gossipTimer = this.calendar.schedule(atMs, (now) => {
      this.scheduleGossip(nextTick(atMs, this.config.gossipIntervalMs, now));
      this.gossip(now);
    });
  }

  /**
   * A gossip round now for news this node just made (a tag change, a user event, a query) or
   * is relaying ({@link relaySoon}), rather than at the next tick: up to one gossip interval
   * sooner at every hop. At most one such round per interval, so a burst sends no more packets
   * than the ticker would.
   */
  gossipNews(nowMs: number): void {
    if (nowMs - this.lastNewsGossipMs < this.config.gossipIntervalMs) return;
    this.lastNewsGossipMs = nowMs;
    this.gossip(nowMs);
  }

  /** One dedicated gossip round: fresh broadcasts to `gossipNodes` random peers. */
  gossip(nowMs: number): void {
    const c = this.config;
    const targets = gossipTargets(
      this.membership.nodes.all(),
      this.name,
      c.gossipNodes,
      c.gossipToTheDeadTimeMs,
      nowMs,
      this.rng,
    );
    const avail = this.packetBudget() - COMPOUND_HEADER_OVERHEAD;
    for (const node of targets) {
      const msgs = takeBroadcasts(
        this.broadcasts,
        this.delegate,
        COMPOUND_PART_OVERHEAD,
        avail,
        c.userBroadcastReserveBytes,
        this.packetPeer(node.address),
      );
      // Nothing to say: no packet at all (gossip is silent at rest).
      if (msgs.length === 0) return;
      const crc = (node.vsn[1] ?? 0) >= 5;
      const packets = msgs.length === 1 ? [msgs] : encodeCompounds(msgs).map((compound) => [compound]);
      for (const parts of packets) {
        this.stats.gossipPackets++;
        this.pushPacket(node.address, parts, crc);
      }
    }
  }

  private schedulePushPull(atMs: number): void {
    this.pushPullTimer = this.calendar.schedule(atMs, (now) => {
      this.schedulePushPull(
        now + pushPullScaleMs(this.config.pushPullIntervalMs, this.membership.nodes.size()),
      );
      this.periodicPushPull();
    });
  }

  /** Anti-entropy with one random alive peer. */
  private periodicPushPull(): void {
    const [peer] = pickRandom(
      this.membership.nodes.all(),
      1,
      this.rng,
      (n) => n.name === this.name || n.state !== "alive",
    );
    if (peer !== undefined) this.dialPushPull(peer.address, false, undefined);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
