/**
 * The sans-I/O contract of Shoal's protocol core (../shared/DESIGN.md sections 1-2).
 *
 * A shell (the UDP/TCP runtime, or the simulator) owns sockets, the clock and the timer. It
 * feeds inputs in (packets, stream payloads, timer firings with a monotonic `nowMs`, commands)
 * and carries out the directives that come back. The core never touches I/O, wall time or
 * ambient randomness: time arrives as `nowMs`, randomness through an injected {@link Rng}.
 *
 * Bytes crossing this boundary are *plaintext* memberlist messages: the shell adds and
 * removes encryption and the cluster label (codec `security`), because those need a CSPRNG
 * and AES. Everything else (compound, compression, CRC, msgpack) is done by the core via the
 * pure codec, so the simulator moves the real bytes.
 */

/** An injected, seedable source of randomness. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n); n >= 1. */
  int(n: number): number;
}

/** A transport address. `host` is a textual IPv4 or IPv6 address (no brackets). */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Identifies one TCP stream exchange between the core and its shell. */
export type StreamId = number;

/** Why an outbound dial failed, as the shell saw it. */
export interface DialFailure {
  /** Human-readable cause (logs, tests). */
  readonly reason: string;
  /**
   * The connection was actively refused (TCP RST: the host is up, nothing listens on the
   * port). A timeout or unreachable network is not a refusal.
   */
  readonly refused: boolean;
}

/** The outcome of a TCP fallback ping. */
export type TcpPingOutcome = "acked" | "failed" | "refused";

/** Status of a member as Serf reports it (memberlist's *suspect* is not visible at this level). */
export type MemberStatus = "alive" | "leaving" | "left" | "failed";

/** A member as seen by the local node (Serf's `Member`). */
export interface MemberView {
  readonly name: string;
  readonly address: Address;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: MemberStatus;
  /** memberlist-level state, including `suspect`. */
  readonly memberlistState: "alive" | "suspect" | "dead" | "left";
  readonly incarnation: number;
  /** pmin, pmax, pcur, dmin, dmax, dcur. */
  readonly vsn: readonly number[];
}

/** Things that happened, reported to the shell (past tense). */
export type SwimEvent =
  | { readonly kind: "memberJoined"; readonly member: MemberView }
  | { readonly kind: "memberUpdated"; readonly member: MemberView }
  | { readonly kind: "memberSuspected"; readonly member: MemberView; readonly from: string }
  | { readonly kind: "memberFailed"; readonly member: MemberView }
  | { readonly kind: "memberLeft"; readonly member: MemberView }
  | { readonly kind: "memberReaped"; readonly member: MemberView }
  | { readonly kind: "refuted"; readonly incarnation: number }
  /** Another node independently confirmed an active suspicion (Lifeguard). */
  | { readonly kind: "suspicionConfirmed"; readonly node: string; readonly from: string }
  /**
   * An active suspicion ended: the node was declared dead (`failed`, timeout or a dead
   * message), or proved alive with a newer incarnation (`refuted`), or was forgotten (`reaped`).
   */
  | {
      readonly kind: "suspicionEnded";
      readonly node: string;
      readonly outcome: "failed" | "refuted" | "reaped";
      readonly confirmations: number;
      readonly durationMs: number;
    }
  | {
      readonly kind: "userEventReceived";
      readonly name: string;
      readonly payload: Uint8Array;
      readonly lTime: number;
      readonly coalesce: boolean;
    }
  | {
      readonly kind: "queryReceived";
      readonly id: number;
      readonly lTime: number;
      readonly name: string;
      readonly payload: Uint8Array;
      readonly sourceNode: string;
    }
  | {
      readonly kind: "queryResponseReceived";
      readonly id: number;
      readonly from: string;
      readonly ack: boolean;
      readonly payload: Uint8Array;
    }
  | { readonly kind: "queryClosed"; readonly id: number }
  | { readonly kind: "probeCompleted"; readonly node: string; readonly rttMs: number }
  /**
   * This node's probe of `node` got no ack, direct, indirect or over TCP: it accuses it.
   * `refused`: the TCP fallback ping was refused (nothing listens on the member's port).
   */
  | { readonly kind: "probeFailed"; readonly node: string; readonly refused: boolean }
  | { readonly kind: "tcpOnlyReachable"; readonly node: string }
  | { readonly kind: "joinCompleted"; readonly contacted: number; readonly failed: readonly Address[] }
  | { readonly kind: "leaveCompleted" }
  | { readonly kind: "decodeFailed"; readonly from: Address; readonly reason: string }
  /**
   * Gossip that broke one of Serf's limits was refused and nothing of it applied: an alive or
   * push/pull member with oversized tags, a bad name or address, or a user event, query or
   * query response over its size limit. `from` is the sender when the input had one (a packet
   * or an inbound stream; not the reply to our own dial), `node` the member it was about.
   */
  | {
      readonly kind: "inputRefused";
      readonly limit: InputLimit;
      readonly reason: string;
      readonly from?: Address;
      readonly node?: string;
    }
  | { readonly kind: "healthScoreChanged"; readonly score: number };

/**
 * Which limit an {@link SwimEvent} `inputRefused` enforced. The names double as the shell's
 * drop-counter reasons, so a refusal is counted under the same label it is reported with.
 */
export type InputLimit =
  | "tagsTooLarge"
  | "invalidNodeName"
  | "invalidAddress"
  | "userEventTooLarge"
  | "queryTooLarge"
  | "queryResponseTooLarge"
  /** memberlist's handler queue (HandoffQueueDepth) was full: the node is behind on gossip. */
  | "handoffQueueFull";

/** What the core asks its shell to do (imperative mood). */
export type Directive =
  /** Send one plaintext UDP packet. */
  | { readonly kind: "send"; readonly to: Address; readonly bytes: Uint8Array }
  /**
   * Dial `to` over TCP, write `bytes` (one plaintext stream message), read exactly one message
   * back if `expectReply`, then close. Report with `onStreamReply` or `onStreamFailed`.
   */
  | {
      readonly kind: "dial";
      readonly streamId: StreamId;
      readonly to: Address;
      readonly bytes: Uint8Array;
      readonly expectReply: boolean;
      readonly timeoutMs: number;
      /** A push/pull state exchange (the shell measures those); absent means false. */
      readonly pushPull?: boolean;
    }
  /** Write `bytes` as the answer on an inbound stream, then close it. */
  | { readonly kind: "reply"; readonly streamId: StreamId; readonly bytes: Uint8Array }
  /** Report an event. */
  | { readonly kind: "event"; readonly event: SwimEvent };

/** The whole node (memberlist + Serf layers) as its shells drive it. */
export interface SwimNode {
  /** This node's name. */
  readonly name: string;
  /** The earliest `nowMs` at which `onTimer` must be called, or undefined if none is due. */
  nextDeadline(): number | undefined;
  /** A timer fired; run everything due at or before `nowMs`. */
  onTimer(nowMs: number): readonly Directive[];
  /** One UDP packet arrived (plaintext, label and encryption already removed by the shell). */
  onPacket(from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[];
  /** One inbound TCP stream message arrived; answer it with a `reply` directive (or none). */
  onStream(streamId: StreamId, from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[];
  /** The answer to an outbound `dial` arrived. */
  onStreamReply(streamId: StreamId, bytes: Uint8Array, nowMs: number): readonly Directive[];
  /** An outbound `dial` failed (refused, timed out, bad reply). */
  onStreamFailed(streamId: StreamId, failure: DialFailure, nowMs: number): readonly Directive[];
  /** The shell measured its event-loop delay; Lifeguard folds it into the health score. */
  onLocalDelay(delayMs: number, nowMs: number): readonly Directive[];
  /**
   * From now on `onPacket` handles pings, indirect pings, acks and nacks at once and queues
   * alive, suspect, dead and user messages (memberlist's handoff queues, bounded by
   * HandoffQueueDepth) until `onInbound`: a shell calls this when it can read all its sockets
   * before handling gossip, so that acks are never late behind a burst of gossip.
   */
  deferInbound(): void;
  /** Gossip messages queued for `onInbound` (always 0 without `deferInbound`). */
  inboundPending(): number;
  /** Handle up to `max` queued gossip messages (alive first, newest first). */
  onInbound(nowMs: number, max: number): readonly Directive[];

  /** Join a cluster through each of these seeds (push/pull with Join=true). */
  join(seeds: readonly Address[], nowMs: number): readonly Directive[];
  /** Graceful leave; a `leaveCompleted` event follows once it has been propagated or timed out. */
  leave(nowMs: number): readonly Directive[];
  /** Replace this node's tags (re-gossips alive with new meta). Throws EncodeError over 512 B. */
  setTags(tags: Readonly<Record<string, string>>, nowMs: number): readonly Directive[];
  /** Fire a user event. */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean, nowMs: number): readonly Directive[];
  /** Start a query; its id comes back in the result. */
  query(
    params: QueryParams,
    nowMs: number,
  ): { readonly id: number; readonly directives: readonly Directive[] };
  /** Respond to a received query. */
  respond(queryId: number, lTime: number, payload: Uint8Array, nowMs: number): readonly Directive[];
  /** Force a failed member into `left` (and optionally prune it at once). */
  forceLeave(node: string, prune: boolean, nowMs: number): readonly Directive[];

  /** All members known to this node, including self. */
  members(): readonly MemberView[];
  /** Lifeguard's local health score (0 is healthy). */
  healthScore(): number;
  /** Lamport clocks (member, event, query). */
  clocks(): { readonly member: number; readonly event: number; readonly query: number };
}

/** Parameters of a Serf query. */
export interface QueryParams {
  readonly name: string;
  readonly payload: Uint8Array;
  /** Only these nodes respond (empty: all). */
  readonly filterNodes?: readonly string[];
  /** Only nodes whose tag matches the unanchored regular expression respond. */
  readonly filterTags?: Readonly<Record<string, string>>;
  readonly requestAck?: boolean;
  readonly relayFactor?: number;
  /** 0 or absent: Serf's default, GossipInterval x 16 x ceil(log10(N+1)). */
  readonly timeoutMs?: number;
}
