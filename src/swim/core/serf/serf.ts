/**
 * The Serf layer (`serf/serf.go`) as a sans-I/O state machine on top of the memberlist layer:
 * the member table with its intents and three Lamport clocks, user events, queries, the leave
 * sequence, force-leave, reconnect and reaping. memberlist calls in through the delegate
 * (`serf-delegate.ts`); the facade (`../node.ts`) calls the commands. Everything Serf reports
 * is appended to memberlist's outbox with `emit`, so events interleave in the order they
 * happened; time arrives as `nowMs` and randomness through the injected generator.
 */
import type { Address, MemberView, Rng, SwimEvent } from "../api.js";
import { bytesToIp, ipToBytes } from "../address.js";
import { META_MAX_SIZE, type MemberlistConfig } from "../config.js";
import { DeadlineCalendar } from "../deadline-calendar.js";
import type { MemberlistDelegate, MemberlistHandle, NodeView } from "../delegate.js";
import { encodeSerfMessage } from "../../codec/serf-messages.js";
import { decodeTags, encodeTags } from "../../codec/tags.js";
import type { SerfJoin, SerfLeave } from "../../codec/types.js";
import { utf8Encode } from "../../codec/utf8.js";
import { ErrorCode, ShoalError } from "../../../errors.js";
import { SerfBroadcasts } from "./broadcasts.js";
import type { SerfConfig } from "./config.js";
import { EventBuffer } from "./event-buffer.js";
import { checkExtensionType, type SwimExtension } from "./extension.js";
import { LamportClock } from "./lamport-clock.js";
import type { Refusal } from "./limits.js";
import { MemberTable, type NodeFacts, type SerfMember } from "./member-state.js";
import { QueryEngine } from "./query-engine.js";
import { pickReconnectTarget } from "./reconnect.js";
import { createSerfDelegate } from "./serf-delegate.js";

/** Serf's own lifecycle (`SerfAlive`, `SerfLeaving`, `SerfLeft`). */
export type SerfState = "alive" | "leaving" | "left";

/** Lamport clocks, as saved in a snapshot. */
export interface SerfClocks {
  readonly member: number;
  readonly event: number;
  readonly query: number;
}

/** What a {@link Serf} is built from. */
export interface SerfOptions {
  readonly name: string;
  readonly config: SerfConfig;
  /** The memberlist tuning underneath (gossip interval for query timeouts, retransmit mult). */
  readonly memberlist: MemberlistConfig;
  readonly tags: Readonly<Record<string, string>>;
  readonly rng: Rng;
  /**
   * Clocks a previous run saved (its `clocks()`): they resume there, and events and queries
   * stamped earlier are not delivered again.
   */
  readonly clocks?: SerfClocks;
  readonly extension?: SwimExtension;
}

/** Where a graceful leave stands. */
type LeaveStage = "none" | "intent" | "memberlist" | "propagating" | "done";

/** The Serf layer. Call {@link bind} with the memberlist underneath before starting it. */
export class Serf {
  readonly name: string;
  readonly config: SerfConfig;
  /** The delegate memberlist is built with. */
  readonly delegate: MemberlistDelegate;
  readonly members: MemberTable;
  /** The member (intent) clock. */
  readonly clock: LamportClock;
  /** User events: event clock and de-duplication ring. */
  readonly events: EventBuffer;
  /** Queries: started and received, with the query clock. */
  readonly queries: QueryEngine;
  readonly broadcasts: SerfBroadcasts;
  readonly extension: SwimExtension | undefined;
  private readonly rng: Rng;
  private readonly calendar = new DeadlineCalendar();
  private ml!: MemberlistHandle;
  private localAddress: Address = { host: "", port: 0 };
  private tags: Readonly<Record<string, string>>;
  private encodedTags: Uint8Array;
  private lifecycle: SerfState = "alive";
  private leaveStage: LeaveStage = "none";
  /** User joins in flight: while any is, a join push/pull does not replay old events. */
  private userJoins = 0;
  /** The latest time seen, for work deferred out of memberlist callbacks. */
  private lastNowMs = 0;
  /** Who sent the input being handled, when it has a sender (see {@link receivingFrom}). */
  private inputSource: Address | undefined;

  constructor(options: SerfOptions) {
    this.name = options.name;
    this.config = options.config;
    this.rng = options.rng;
    this.tags = { ...options.tags };
    this.encodedTags = encodeTags(this.tags); // throws EncodeError over 512 B, before anything runs
    this.extension = options.extension;
    if (this.extension !== undefined) checkExtensionType(this.extension.messageType);
    this.clock = new LamportClock(options.clocks?.member);
    this.events = new EventBuffer(options.clocks?.event);
    this.members = new MemberTable(this.name);
    this.broadcasts = new SerfBroadcasts(options.memberlist.retransmitMult, () => this.members.size());
    this.queries = new QueryEngine(
      {
        name: this.name,
        config: this.config,
        gossipIntervalMs: options.memberlist.gossipIntervalMs,
        rng: this.rng,
        calendar: this.calendar,
        members: this.members,
        queue: this.broadcasts.queries,
        memberlist: () => this.ml,
        localAddress: () => this.localAddress,
        tags: () => this.tags,
        emit: (event) => this.emit(event),
      },
      options.clocks?.query,
    );
    this.delegate = createSerfDelegate(this);
  }

  /** Attach the memberlist underneath and start Serf's periodic work. Call before `ml.start`. */
  bind(ml: MemberlistHandle, address: Address, nowMs: number): void {
    this.ml = ml;
    // Canonical text (as decoded from a query's Addr bytes), so "is this us?" compares equal.
    const bytes = ipToBytes(address.host);
    this.localAddress = { host: (bytes && bytesToIp(bytes)) ?? address.host, port: address.port };
    this.lastNowMs = nowMs;
    const c = this.config;
    this.every(nowMs, c.reconnectIntervalMs, (now) => this.reconnect(now));
    this.every(nowMs, c.reapIntervalMs, (now) => this.reap(now));
    this.every(nowMs, c.queueCheckIntervalMs, () => this.broadcasts.prune(c.maxQueueDepth));
  }

  /** The earliest time Serf's own timers need `onTimer`. */
  nextDeadline(): number | undefined {
    return this.calendar.next();
  }

  /** Run Serf's timers due at `nowMs`. */
  onTimer(nowMs: number): void {
    this.touch(nowMs);
    this.calendar.runDue(nowMs);
  }

  /** Record the latest time seen (every input passes through here). */
  touch(nowMs: number): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
  }

  /** Serf's lifecycle state. */
  state(): SerfState {
    return this.lifecycle;
  }

  /** Our encoded tags (memberlist's node meta). */
  meta(): Uint8Array {
    return this.encodedTags;
  }

  /** Our tags. */
  localTags(): Readonly<Record<string, string>> {
    return this.tags;
  }

  /** Report an event to the shell, in order with memberlist's. */
  emit(event: SwimEvent): void {
    this.ml.emit(event);
  }

  /**
   * The facade names the sender of the packet or inbound stream it is about to hand memberlist
   * (undefined once it is done), because memberlist's alive and merge callbacks do not carry
   * it, and a refusal is reported (and logged once) per sender.
   */
  receivingFrom(source: Address | undefined): void {
    this.inputSource = source;
  }

  /** Report input refused by a limit (the shell counts it), attributed to its sender if known. */
  refuse(refusal: Refusal, about: { readonly node?: string; readonly from?: Address } = {}): void {
    const from = about.from ?? this.inputSource;
    this.emit({
      kind: "inputRefused",
      limit: refusal.limit,
      reason: refusal.reason,
      ...(from === undefined ? {} : { from }),
      ...(about.node === undefined ? {} : { node: about.node }),
    });
  }

  // -------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------

  /** Serf's Join: memberlist push/pulls, then (in {@link joinCompleted}) a join intent. */
  join(seeds: readonly Address[], nowMs: number): void {
    if (this.lifecycle !== "alive") {
      throw new ShoalError(ErrorCode.join, "cannot join after leave");
    }
    this.userJoins++;
    this.ml.join(seeds, nowMs);
  }

  /** memberlist finished a join the shell asked for: announce ourselves if anyone answered. */
  joinCompleted(contacted: number): void {
    if (this.userJoins > 0) this.userJoins--;
    if (contacted > 0 && this.lifecycle === "alive") this.broadcastJoin(this.clock.time());
  }

  /**
   * Serf's Leave: a leave intent, sent until fully retransmitted or the broadcast timeout;
   * then memberlist's leave; then the propagate delay (stay up to answer probes while the news
   * spreads); then `leaveCompleted`.
   */
  leave(nowMs: number): void {
    if (this.lifecycle !== "alive") return;
    this.lifecycle = "leaving";
    this.leaveStage = "intent";
    const msg: SerfLeave = { kind: "leave", lTime: this.clock.time(), node: this.name, prune: false };
    this.clock.increment();
    this.handleLeaveIntent(msg, nowMs);
    if (!this.members.hasAliveOthers()) {
      this.memberlistLeave(nowMs);
      return;
    }
    // onFinished runs inside memberlist's packet assembly: defer the next step out of it.
    this.broadcasts.intents.queue(encodeSerfMessage(msg), {
      onFinished: () => this.calendar.schedule(this.lastNowMs, (now) => this.memberlistLeave(now)),
    });
    this.calendar.schedule(nowMs + this.config.broadcastTimeoutMs, (now) => this.memberlistLeave(now));
    // Send the intent now rather than at the next gossip tick: the leave waits for its full
    // retransmission, so every tick it waits for is time the others learn of the leave later.
    this.ml.gossip(nowMs);
  }

  /** Relay the news just queued (a leave intent, user event or query) once the packet has been handled. */
  relaySoon(): void {
    this.ml.relaySoon();
  }

  /** True while Serf waits for memberlist's leave; the facade then hands it memberlist's `leaveCompleted`. */
  awaitingMemberlistLeave(): boolean {
    return this.leaveStage === "memberlist";
  }

  /** memberlist's leave finished (its `leaveCompleted`, which the facade does not pass on). */
  memberlistLeft(nowMs: number): void {
    if (this.leaveStage !== "memberlist") return;
    this.leaveStage = "propagating";
    this.calendar.schedule(nowMs + this.config.leavePropagateDelayMs, () => {
      this.leaveStage = "done";
      this.lifecycle = "left";
      this.emit({ kind: "leaveCompleted" });
    });
  }

  /** Serf's SetTags: size check first (a refused update changes nothing), then memberlist's UpdateNode. */
  setTags(tags: Readonly<Record<string, string>>, nowMs: number): void {
    const encoded = encodeTags(tags);
    this.tags = { ...tags };
    this.encodedTags = encoded;
    this.ml.updateNode(nowMs);
  }

  /** Serf's UserEvent: size limits, stamp, deliver locally, queue. */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): void {
    const limit = this.config.userEventSizeLimit;
    const size = utf8Encode(name).length + payload.length;
    if (size > limit) {
      throw new ShoalError(
        ErrorCode.limit,
        `user event exceeds the limit of ${limit} bytes (name and payload are ${size})`,
      );
    }
    const lTime = this.events.clock.time();
    const raw = encodeSerfMessage({ kind: "userEvent", lTime, name, payload, cc: coalesce });
    if (raw.length > limit) {
      throw new ShoalError(
        ErrorCode.limit,
        `encoded user event is ${raw.length} bytes, over the limit of ${limit}`,
      );
    }
    this.events.clock.increment();
    this.handleUserEvent(lTime, name, payload, coalesce);
    this.broadcasts.events.queue(raw);
  }

  /** Serf's RemoveFailedNode (prune false) / RemoveFailedNodePrune (prune true). */
  forceLeave(node: string, prune: boolean, nowMs: number): void {
    const msg: SerfLeave = { kind: "leave", lTime: this.clock.time(), node, prune };
    this.clock.increment();
    this.handleLeaveIntent(msg, nowMs);
    if (this.members.hasAliveOthers()) this.broadcasts.intents.queue(encodeSerfMessage(msg));
  }

  /** Queue an extension message under `name` (a newer one with that name replaces it). */
  broadcastExtension(name: string, payload: Uint8Array): void {
    if (this.extension === undefined) throw new ShoalError(ErrorCode.invalid, "no extension is configured");
    const raw = new Uint8Array(payload.length + 1);
    raw[0] = this.extension.messageType;
    raw.set(payload, 1);
    this.broadcasts.extension.queue(raw, { name });
  }

  /** Drop the extension message queued under `name`, if any (it is sent no more). */
  invalidateExtension(name: string): void {
    this.broadcasts.extension.invalidate(name);
  }

  // -------------------------------------------------------------------------------------
  // Message handlers (called by the delegate)
  // -------------------------------------------------------------------------------------

  /** Serf's handleNodeJoinIntent; true when news (re-broadcast). */
  handleJoinIntent(msg: SerfJoin, nowMs: number): boolean {
    this.clock.witness(msg.lTime);
    return this.members.joinIntent(msg.node, msg.lTime, nowMs);
  }

  /** Serf's handleNodeLeaveIntent; true when news (re-broadcast). */
  handleLeaveIntent(msg: SerfLeave, nowMs: number): boolean {
    this.clock.witness(msg.lTime);
    const outcome = this.members.leaveIntent(
      msg.node,
      msg.lTime,
      msg.prune,
      this.lifecycle === "alive",
      nowMs,
    );
    if (outcome.refute) this.broadcastJoin(this.clock.time());
    if (outcome.nowLeft !== undefined) this.emit({ kind: "memberLeft", member: this.view(outcome.nowLeft) });
    if (outcome.prune !== undefined) this.prune(outcome.prune, nowMs);
    return outcome.rebroadcast;
  }

  /** Serf's handleUserEvent; true when news (deliver and re-broadcast). */
  handleUserEvent(lTime: number, name: string, payload: Uint8Array, coalesce: boolean): boolean {
    if (!this.events.accept(lTime, name, payload)) return false;
    this.emit({ kind: "userEventReceived", name, payload, lTime, coalesce });
    return true;
  }

  // -------------------------------------------------------------------------------------
  // memberlist notifications (called by the delegate)
  // -------------------------------------------------------------------------------------

  /** NotifyJoin. */
  nodeJoined(node: NodeView): void {
    const member = this.members.nodeJoined(factsOf(node));
    this.emit({ kind: "memberJoined", member: this.view(member, node) });
  }

  /** NotifyLeave. */
  nodeLeft(node: NodeView, nowMs: number): void {
    const member = this.members.nodeLeft(node.name, node.state === "left", nowMs);
    if (member === undefined) return;
    this.emit({
      kind: member.status === "left" ? "memberLeft" : "memberFailed",
      member: this.view(member, node),
    });
  }

  /** NotifyUpdate. */
  nodeUpdated(node: NodeView): void {
    const member = this.members.nodeUpdated(factsOf(node));
    if (member !== undefined) this.emit({ kind: "memberUpdated", member: this.view(member, node) });
  }

  /** A user join's push/pull is merging: Serf then ignores the peer's event history. */
  ignoringOldEvents(join: boolean): boolean {
    return join && this.userJoins > 0 && !this.config.replayOnJoin;
  }

  // -------------------------------------------------------------------------------------
  // Views
  // -------------------------------------------------------------------------------------

  /**
   * A member as the shell sees it.
   *
   * @param known memberlist's view of it when the caller has one (saves a lookup and a copy on
   *   the hot path: every node reports every other node's join).
   */
  view(m: SerfMember, known?: NodeView): MemberView {
    const node = known ?? this.ml.node(m.name);
    return {
      name: m.name,
      address: m.address,
      tags: m.tags,
      status: m.status,
      memberlistState: node?.state ?? (m.status === "left" ? "left" : "dead"),
      incarnation: node?.incarnation ?? 0,
      vsn: m.vsn,
    };
  }

  /** Every member, self included. */
  memberViews(): MemberView[] {
    const out: MemberView[] = [];
    for (const m of this.members.all()) out.push(this.view(m));
    return out;
  }

  /** Lamport clocks (member, event, query). */
  clocks(): SerfClocks {
    return {
      member: this.clock.time(),
      event: this.events.clock.time(),
      query: this.queries.buffer.clock.time(),
    };
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  private broadcastJoin(lTime: number): void {
    const msg: SerfJoin = { kind: "join", lTime, node: this.name };
    this.clock.witness(lTime);
    this.handleJoinIntent(msg, this.lastNowMs);
    this.broadcasts.intents.queue(encodeSerfMessage(msg));
  }

  private memberlistLeave(nowMs: number): void {
    if (this.leaveStage !== "intent") return;
    this.leaveStage = "memberlist";
    this.ml.leave(nowMs);
  }

  /** Erase a pruned member: at once, or after its own leave has had time to finish. */
  private prune(member: SerfMember, nowMs: number): void {
    const erase = (): void => {
      if (this.members.get(member.name) !== member) return;
      if (member.status !== "leaving" && member.status !== "left" && member.status !== "failed") return;
      this.members.erase(member);
      this.emit({ kind: "memberReaped", member: this.view(member) });
    };
    if (member.status === "leaving") {
      this.calendar.schedule(
        nowMs + this.config.broadcastTimeoutMs + this.config.leavePropagateDelayMs,
        erase,
      );
    } else {
      erase();
    }
  }

  private reconnect(nowMs: number): void {
    if (this.lifecycle !== "alive") return;
    const target = pickReconnectTarget(this.members, this.rng);
    if (target !== undefined) this.ml.join([target.address], nowMs, { silent: true });
  }

  private reap(nowMs: number): void {
    const c = this.config;
    for (const m of this.members.reap(nowMs, c.reconnectTimeoutMs, c.tombstoneTimeoutMs)) {
      this.emit({ kind: "memberReaped", member: this.view(m) });
    }
    this.members.intents.reap(nowMs, c.recentIntentTimeoutMs);
    this.queries.expire(nowMs);
  }

  /** A periodic task with a random first run, so a fleet started together is not in lockstep. */
  private every(nowMs: number, everyMs: number, run: (nowMs: number) => void): void {
    if (everyMs <= 0) return;
    const tick = (at: number): void => {
      this.calendar.schedule(at + everyMs, tick);
      run(at);
    };
    this.calendar.schedule(nowMs + everyMs * (0.5 + this.rng.next() / 2), tick);
  }
}

/** Shared, frozen: most members have no tags, and every node learns every member. */
const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});

function factsOf(node: NodeView): NodeFacts {
  let tags: Readonly<Record<string, string>>;
  const meta = node.meta;
  // The delegate refuses such members; this keeps any other path from decoding oversized tags.
  if (meta.length > META_MAX_SIZE)
    return { name: node.name, address: node.address, tags: NO_TAGS, vsn: node.vsn };
  try {
    // `ff 80` is the empty tag map (or no meta at all): skip the decoder.
    tags =
      meta.length === 0 || (meta.length === 2 && meta[0] === 0xff && meta[1] === 0x80)
        ? NO_TAGS
        : decodeTags(meta);
  } catch {
    // memberlist accepted the node; bad meta only costs it its tags (Serf logs the same).
    tags = NO_TAGS;
  }
  return { name: node.name, address: node.address, tags, vsn: node.vsn };
}
