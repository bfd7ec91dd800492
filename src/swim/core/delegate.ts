/**
 * The contract between the memberlist layer (`Memberlist`) and the layer above it (Serf),
 * modelled on memberlist's Delegate, EventDelegate, PingDelegate, AliveDelegate and
 * MergeDelegate, but synchronous and sans-I/O.
 *
 * ## Outbox
 * `Memberlist` never returns directives from its internal steps. Every directive it produces
 * (and every directive the delegate causes through {@link MemberlistHandle}, e.g.
 * `sendToAddress` from inside `notifyMsg`) is appended to one outbox in the order produced.
 * The facade (the Serf layer's `SwimNode`) calls a `Memberlist` input method, runs its own
 * logic, then calls `memberlist.drain()` once and returns that list to the shell. Serf-level
 * events can be appended with `emit(event)` so they interleave correctly with memberlist's.
 *
 * ## Re-entrancy
 * Delegate callbacks run synchronously inside `Memberlist` input methods. A delegate may call
 * the {@link MemberlistHandle} methods from a callback; those only append to the outbox or
 * queue broadcasts and never re-invoke the delegate synchronously.
 */

import type { Address, MemberView, SwimEvent } from "./api.js";
import type { PacketPeer } from "./broadcast-queue.js";
import type { NodeStateName } from "./status.js";

/** A read-only snapshot of one memberlist node, handed to delegates and the facade. */
export interface NodeView {
  readonly name: string;
  /** Where the node listens (UDP and TCP share the port). */
  readonly address: Address;
  /** Node metadata (Serf's encoded tags), ≤ 512 bytes. */
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly state: NodeStateName;
  /** `nowMs` of the last state change. */
  readonly stateChangeMs: number;
  /** pmin, pmax, pcur, dmin, dmax, dcur. */
  readonly vsn: readonly number[];
}

/** What the memberlist layer asks of the layer above it (Serf). */
export interface MemberlistDelegate {
  /** This node's metadata; must be ≤ `limit` bytes (memberlist truncation is an error here). */
  nodeMeta(limit: number): Uint8Array;

  /**
   * A user message arrived (a gossiped Serf message, or a direct one such as a query response).
   * `payload` is the delegate's own bytes, without memberlist's user-message type byte.
   */
  notifyMsg(payload: Uint8Array, from: Address, nowMs: number): void;

  /**
   * Delegate broadcasts to piggyback: each element is one delegate message (Serf's
   * `[serfType][msgpack]`), and memberlist frames each as a user message. The total of
   * `overhead + length` over the returned messages must not exceed `limit` (memberlist's
   * `GetBroadcasts(overhead, limit)`); `overhead` already includes the user-message type byte
   * and the compound per-part overhead. `peer` is the packet's recipient, so that a delegate
   * can pass over messages it already sent there.
   */
  getBroadcasts(overhead: number, limit: number, peer?: PacketPeer): readonly Uint8Array[];

  /**
   * Whether the delegate has broadcasts queued. Optional: when absent the fairness reserve is
   * applied whenever it is configured and the unused part is handed back to memberlist's queue.
   */
  hasBroadcasts?(): boolean;

  /**
   * Optional: how many bytes of this packet to keep for the delegate's broadcasts, at most
   * `cap` (the configured `userBroadcastReserveBytes`), given `overhead` per message. When
   * absent, the whole cap is kept whenever `hasBroadcasts` says so. A delegate that knows its
   * next messages asks for just their room, so membership messages lose nothing to an idle
   * reserve.
   */
  reserveBytes?(overhead: number, cap: number): number;

  /** Delegate state for a push/pull (Serf's `[2][msgpack messagePushPull]`). */
  localState(join: boolean): Uint8Array;

  /** The remote side's delegate state from a push/pull, after the node states were merged. */
  mergeRemoteState(state: Uint8Array, join: boolean, nowMs: number): void;

  /** A node joined or came back from dead/left. */
  notifyJoin(node: NodeView, nowMs: number): void;
  /** A node was declared dead or left. */
  notifyLeave(node: NodeView, nowMs: number): void;
  /** A node's meta or address changed while alive. */
  notifyUpdate(node: NodeView, nowMs: number): void;

  /** Payload for our acks (Serf: its Vivaldi coordinate). */
  ackPayload(): Uint8Array;
  /** A probe of `node` succeeded with this RTT and the target's ack payload. */
  notifyPingComplete(node: NodeView, rttMs: number, payload: Uint8Array): void;

  /**
   * Optional veto of an alive message about a peer (memberlist's AliveDelegate). Return a reason
   * to drop it, or undefined to accept.
   */
  notifyAlive?(peer: NodeView): string | undefined;
  /**
   * Optional veto of a push/pull merge (memberlist's MergeDelegate; Serf validates names, IP
   * length and meta size here). Return a reason to refuse the whole merge.
   */
  notifyMerge?(peers: readonly NodeView[]): string | undefined;
  /** Optional: another node claims a known name from a different address (ConflictDelegate). */
  notifyConflict?(existing: NodeView, other: NodeView): void;

  /**
   * Optional: how to present a node as a `MemberView` in memberlist-level events
   * (`memberSuspected`). Serf decodes tags and maps its own status; the default view has empty
   * tags and a status derived from the memberlist state.
   */
  memberView?(node: NodeView): MemberView;
}

/** What the layer above may call on the memberlist layer. Every method only appends to the outbox. */
export interface MemberlistHandle {
  /** This node's name. */
  readonly name: string;
  /** Send one delegate message as a direct UDP user message (e.g. a query response). */
  sendToAddress(to: Address, userMsg: Uint8Array): void;
  /** Send one delegate message over TCP (memberlist's SendReliable), for messages too big for UDP. */
  sendReliable(to: Address, userMsg: Uint8Array): void;
  /** Number of known nodes, including self and not-yet-reaped dead/left ones (estNumNodes). */
  numMembers(): number;
  /** Snapshot of every known node, self included. */
  members(): readonly NodeView[];
  /** Snapshot of one node, or undefined. */
  node(name: string): NodeView | undefined;
  /** Snapshot of this node. */
  localNode(): NodeView;
  /** Re-read `nodeMeta` and gossip alive with a new incarnation (memberlist's UpdateNode). */
  updateNode(nowMs: number): void;
  /** Graceful leave: broadcast dead-about-self; a `leaveCompleted` event follows. */
  leave(nowMs: number): void;
  /** One gossip round now, out of the ticker's cadence (a leave's intent cannot wait for a tick). */
  gossip(nowMs: number): void;
  /**
   * Relay what the packet being handled brought once it has been handled, rather than at the
   * next tick (see `Memberlist.gossipNews`: at most one such round per gossip interval).
   */
  relaySoon(): void;
  /**
   * Push/pull (Join=true) with each seed; a `joinCompleted` event follows unless `silent`
   * (Serf's reconnect attempts, which the shell did not ask for).
   */
  join(seeds: readonly Address[], nowMs: number, options?: { readonly silent?: boolean }): void;
  /** Append an event (for the layer above) to the shared outbox, preserving order. */
  emit(event: SwimEvent): void;
  /** Lifeguard's local health score. */
  healthScore(): number;
}
