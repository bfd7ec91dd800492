/**
 * The whole protocol node: memberlist underneath, Serf on top (`serf/serf.go`, `delegate.go`,
 * `event_delegate.go`), as one sans-I/O {@link SwimNode}. Every input goes to memberlist,
 * whose delegate callbacks land here; the directives memberlist queued are drained once per
 * input and returned to the shell, with Serf's events interleaved in order.
 */
import type { Address, Directive, MemberView, QueryParams, Rng, SwimEvent, SwimNode } from "../api.js";
import { ipToBytes, bytesToIp } from "../address.js";
import { TransmitLimitedQueue } from "../broadcast-queue.js";
import type { MemberlistConfig } from "../config.js";
import { DeadlineCalendar } from "../deadline-calendar.js";
import type { MemberlistDelegate, NodeView } from "../delegate.js";
import { Memberlist } from "../memberlist.js";
import { pickRandom } from "../rng.js";
import { decodeSerfMessage, encodeCoordinatePayload, encodeSerfMessage } from "../../codec/serf-messages.js";
import { serfPushPullStruct } from "../../codec/serf-messages.js";
import { MsgpackReader } from "../../codec/msgpack-reader.js";
import { decodeTags, encodeTags } from "../../codec/tags.js";
import { utf8Encode } from "../../codec/utf8.js";
import { QueryFlag, SerfMessageType } from "../../codec/types.js";
import type { SerfMessage, SerfPushPull, SerfQuery, SerfQueryResponse } from "../../codec/types.js";
import { ErrorCode, ShoalError } from "../../../errors.js";
import { type SerfConfig, withSerfVersions } from "./config.js";
import { QueryIdBuffer, UserEventBuffer, tooOld } from "./event-buffer.js";
import { LamportClock } from "./lamport-clock.js";
import { type MemberChange, type SerfMember, SerfMembers } from "./members.js";
import { QueryBook, encodeQueryFilters, queryMatches } from "./queries.js";

/**
 * A layer above Serf that gossips its own messages through this node (Shoal's catalog).
 *
 * Wire choice: extension messages use a Serf message type byte Serf does not define; a real
 * `serf agent` logs "unknown message type" and drops them (delegate.go NotifyMsg's default
 * case) without re-broadcasting. Extension state rides in push/pull *after* Serf's msgpack
 * object in the same user-state bytes: Go's msgpack decoder reads exactly one object and
 * ignores what follows, so real Serf merges its part and never sees ours.
 */
export interface SwimExtension {
  /** The Serf message type byte for this extension's gossip (not 0..9; Shoal uses 200). */
  readonly messageType: number;
  /** A gossiped extension message arrived (payload without the type byte). */
  onMessage(payload: Uint8Array, nowMs: number): void;
  /** Full state for a push/pull, or undefined for none. */
  localState(): Uint8Array | undefined;
  /** The peer's full state from a push/pull. */
  mergeRemoteState(state: Uint8Array, join: boolean, nowMs: number): void;
}

/** What {@link SerfNode} is built from. */
export interface SerfNodeOptions {
  readonly name: string;
  readonly advertise: Address;
  /** A memberlist preset (`lanConfig()` etc.); Serf's delegate versions are filled in. */
  readonly memberlist: MemberlistConfig;
  readonly serf: SerfConfig;
  readonly tags: Readonly<Record<string, string>>;
  readonly rng: Rng;
  readonly nowMs: number;
  /** Lamport clocks restored from a snapshot, so old events are not replayed after a restart. */
  readonly clocks?: { readonly member: number; readonly event: number; readonly query: number };
  readonly extension?: SwimExtension;
}

/** Serf's own lifecycle state. */
type SerfState = "alive" | "leaving" | "left";

/** Default Serf ack payload: a zero Vivaldi coordinate (`coordinate.NewCoordinate`). */
const ACK_PAYLOAD = encodeCoordinatePayload({
  vec: [0, 0, 0, 0, 0, 0, 0, 0],
  error: 1.5,
  adjustment: 0,
  height: 1e-5,
});

/** Memberlist plus Serf, as one sans-I/O node. */
export class SerfNode implements SwimNode {
  readonly name: string;
  private readonly ml: Memberlist;
  private readonly config: SerfConfig;
  private readonly rng: Rng;
  private readonly calendar = new DeadlineCalendar();
  private readonly clock: LamportClock;
  private readonly eventClock: LamportClock;
  private readonly queryClock: LamportClock;
  private readonly table: SerfMembers;
  private readonly intents: TransmitLimitedQueue;
  private readonly events: TransmitLimitedQueue;
  private readonly queries: TransmitLimitedQueue;
  private readonly extensionQueue: TransmitLimitedQueue;
  private readonly eventBuffer = new UserEventBuffer();
  private readonly queryIds = new QueryIdBuffer();
  private readonly book = new QueryBook();
  private readonly extension: SwimExtension | undefined;
  private tags: Record<string, string>;
  private state: SerfState = "alive";
  private eventMinTime = 0;
  /** Which broadcast queue goes first in the next packet (fair rotation). */
  private rotation = 0;
  private queryMinTime = 0;
  /** Events produced by Serf logic, appended after memberlist's directives of the same input. */
  private readonly pending: Directive[] = [];

  constructor(options: SerfNodeOptions) {
    this.name = options.name;
    this.config = options.serf;
    this.rng = options.rng;
    this.tags = { ...options.tags };
    this.extension = options.extension;
    encodeTags(this.tags); // throws EncodeError over 512 bytes, before anything starts
    this.clock = new LamportClock(options.clocks?.member ?? 1);
    this.eventClock = new LamportClock(options.clocks?.event ?? 1);
    this.queryClock = new LamportClock(options.clocks?.query ?? 1);
    // A restored clock means events up to it were already seen by our previous run.
    if (options.clocks !== undefined) {
      this.eventMinTime = options.clocks.event;
      this.queryMinTime = options.clocks.query;
    }
    this.table = new SerfMembers(this.name, this.clock, () => this.state === "alive");
    const numNodes = (): number => this.ml.numMembers();
    const mult = options.memberlist.retransmitMult;
    this.intents = new TransmitLimitedQueue(mult, numNodes);
    this.events = new TransmitLimitedQueue(mult, numNodes);
    this.queries = new TransmitLimitedQueue(mult, numNodes);
    this.extensionQueue = new TransmitLimitedQueue(mult, numNodes);
    this.ml = new Memberlist({
      name: options.name,
      address: options.advertise,
      config: withSerfVersions(options.memberlist),
      rng: options.rng,
      delegate: this.delegate(),
    });
    this.ml.start(options.nowMs);
    // Start-up events (our own join) have no listener yet.
    this.ml.drain();
    this.pending.length = 0;
    this.scheduleEvery(options.nowMs, this.config.reconnectIntervalMs, (now) => this.reconnect(now));
    this.scheduleEvery(options.nowMs, this.config.reapIntervalMs, (now) => this.reap(now));
  }

  // -------------------------------------------------------------------------------------
  // SwimNode inputs
  // -------------------------------------------------------------------------------------

  nextDeadline(): number | undefined {
    const a = this.ml.nextDeadline();
    const b = this.calendar.next();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  onTimer(nowMs: number): readonly Directive[] {
    this.ml.onTimer(nowMs);
    this.calendar.runDue(nowMs);
    return this.flush(nowMs);
  }

  onPacket(from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.ml.onPacket(from, bytes, nowMs);
    return this.flush(nowMs);
  }

  onStream(streamId: number, from: Address, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.ml.onStream(streamId, from, bytes, nowMs);
    return this.flush(nowMs);
  }

  onStreamReply(streamId: number, bytes: Uint8Array, nowMs: number): readonly Directive[] {
    this.ml.onStreamReply(streamId, bytes, nowMs);
    return this.flush(nowMs);
  }

  onStreamFailed(streamId: number, reason: string, nowMs: number): readonly Directive[] {
    this.ml.onStreamFailed(streamId, reason, nowMs);
    return this.flush(nowMs);
  }

  onLocalDelay(delayMs: number, nowMs: number): readonly Directive[] {
    this.ml.onLocalDelay(delayMs, nowMs);
    return this.flush(nowMs);
  }

  // -------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------

  join(seeds: readonly Address[], nowMs: number): readonly Directive[] {
    this.ml.join(seeds, nowMs);
    return this.flush(nowMs);
  }

  /**
   * Serf's Leave: broadcast a leave intent and wait until it was sent (or the broadcast
   * timeout), then memberlist's leave, then the propagate delay; `leaveCompleted` follows.
   */
  leave(nowMs: number): readonly Directive[] {
    if (this.state !== "alive") return this.flush(nowMs);
    this.state = "leaving";
    const lTime = this.clock.time();
    this.clock.increment();
    this.table.leaveIntent(this.name, lTime, false, nowMs);
    const me = this.table.get(this.name);
    if (me !== undefined) me.status = "leaving";
    let stepped = false;
    const memberlistLeave = (now: number): void => {
      if (stepped) return;
      stepped = true;
      this.ml.leave(now);
    };
    if (this.hasAlivePeers()) {
      this.intents.queue(encodeSerfMessage({ kind: "leave", lTime, node: this.name, prune: false }), {
        onFinished: () => this.calendar.schedule(nowMs, memberlistLeave),
      });
      this.calendar.schedule(nowMs + this.config.broadcastTimeoutMs, memberlistLeave);
    } else {
      memberlistLeave(nowMs);
    }
    return this.flush(nowMs);
  }

  setTags(tags: Readonly<Record<string, string>>, nowMs: number): readonly Directive[] {
    encodeTags(tags); // size check first: a refused update changes nothing
    this.tags = { ...tags };
    this.ml.updateNode(nowMs);
    const me = this.table.get(this.name);
    if (me !== undefined) me.tags = { ...tags };
    return this.flush(nowMs);
  }

  userEvent(name: string, payload: Uint8Array, coalesce: boolean, nowMs: number): readonly Directive[] {
    const size = utf8Encode(name).length + payload.length;
    if (size > this.config.userEventSizeLimit) {
      throw new ShoalError(
        ErrorCode.limit,
        `user event exceeds the limit: name and payload are ${size} bytes, limit ${this.config.userEventSizeLimit}`,
      );
    }
    const lTime = this.eventClock.time();
    this.eventClock.increment();
    const raw = encodeSerfMessage({ kind: "userEvent", lTime, name, payload, cc: coalesce });
    this.handleUserEvent(lTime, name, payload, coalesce);
    this.events.queue(raw);
    return this.flush(nowMs);
  }

  query(
    params: QueryParams,
    nowMs: number,
  ): { readonly id: number; readonly directives: readonly Directive[] } {
    const local = this.ml.localNode();
    const timeoutMs =
      params.timeoutMs !== undefined && params.timeoutMs > 0
        ? params.timeoutMs
        : this.defaultQueryTimeoutMs();
    const id = this.rng.int(0x7fffffff);
    const query: SerfQuery = {
      kind: "query",
      lTime: this.queryClock.time(),
      id,
      addr: ipToBytes(local.address.host) ?? new Uint8Array(4),
      port: local.address.port,
      sourceNode: this.name,
      filters: encodeQueryFilters(params),
      flags: params.requestAck === true ? QueryFlag.ack : 0,
      relayFactor: params.relayFactor ?? 0,
      timeoutNs: timeoutMs * 1_000_000,
      name: params.name,
      payload: params.payload,
    };
    const raw = encodeSerfMessage(query);
    if (raw.length > this.config.querySizeLimit) {
      throw new ShoalError(
        ErrorCode.limit,
        `query exceeds the limit: ${raw.length} bytes, limit ${this.config.querySizeLimit}`,
      );
    }
    this.book.open({
      id,
      lTime: query.lTime,
      acks: new Set(),
      responses: new Set(),
      deadlineMs: nowMs + timeoutMs,
    });
    this.calendar.schedule(nowMs + timeoutMs, () => {
      this.book.close(query.lTime);
      this.emit({ kind: "queryClosed", id });
    });
    this.handleQuery(query, nowMs);
    this.queries.queue(raw);
    return { id, directives: this.flush(nowMs) };
  }

  respond(queryId: number, lTime: number, payload: Uint8Array, nowMs: number): readonly Directive[] {
    const received = this.book.receivedQuery(queryId, lTime);
    if (received === undefined || received.deadlineMs < nowMs) {
      throw new ShoalError(ErrorCode.limit, `query ${queryId} is unknown or past its deadline`);
    }
    const response: SerfQueryResponse = {
      kind: "queryResponse",
      lTime: received.lTime,
      id: queryId,
      from: this.name,
      flags: 0,
      payload,
    };
    const raw = encodeSerfMessage(response);
    if (raw.length > this.config.queryResponseSizeLimit) {
      throw new ShoalError(
        ErrorCode.limit,
        `query response exceeds the limit: ${raw.length} bytes, limit ${this.config.queryResponseSizeLimit}`,
      );
    }
    this.sendResponse(received.origin, received.originName, received.relayFactor, raw);
    return this.flush(nowMs);
  }

  forceLeave(node: string, prune: boolean, nowMs: number): readonly Directive[] {
    const lTime = this.clock.time();
    this.clock.increment();
    const { changes } = this.table.leaveIntent(node, lTime, prune, nowMs);
    this.report(changes, nowMs);
    if (this.hasAlivePeers()) this.intents.queue(encodeSerfMessage({ kind: "leave", lTime, node, prune }));
    return this.flush(nowMs);
  }

  /** Queue one extension message under `name` (a newer one with the same name replaces it). */
  broadcastExtension(name: string, payload: Uint8Array, nowMs: number): readonly Directive[] {
    if (this.extension === undefined) throw new Error("no extension configured");
    const raw = new Uint8Array(payload.length + 1);
    raw[0] = this.extension.messageType;
    raw.set(payload, 1);
    this.extensionQueue.queue(raw, { name });
    return this.flush(nowMs);
  }

  // -------------------------------------------------------------------------------------
  // Views
  // -------------------------------------------------------------------------------------

  members(): readonly MemberView[] {
    const out: MemberView[] = [];
    for (const m of this.table.all()) out.push(this.view(m));
    return out;
  }

  healthScore(): number {
    return this.ml.healthScore();
  }

  clocks(): { readonly member: number; readonly event: number; readonly query: number } {
    return { member: this.clock.time(), event: this.eventClock.time(), query: this.queryClock.time() };
  }

  /** Queue depths, for `info` and metrics. */
  queueDepths(): {
    readonly intents: number;
    readonly events: number;
    readonly queries: number;
    readonly extension: number;
  } {
    return {
      intents: this.intents.size(),
      events: this.events.size(),
      queries: this.queries.size(),
      extension: this.extensionQueue.size(),
    };
  }

  /** Serf's lifecycle state. */
  lifecycle(): SerfState {
    return this.state;
  }

  // -------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------

  private flush(nowMs: number): Directive[] {
    const out = this.ml.drain();
    const result: Directive[] = [];
    for (const d of out) {
      if (d.kind === "event" && d.event.kind === "leaveCompleted") {
        // memberlist finished; Serf waits the propagate delay before it reports the leave.
        this.calendar.schedule(nowMs + this.config.leavePropagateDelayMs, () => {
          this.state = "left";
          this.emit({ kind: "leaveCompleted" });
        });
        continue;
      }
      if (d.kind === "event" && d.event.kind === "joinCompleted" && d.event.contacted > 0) {
        this.broadcastJoin(nowMs);
      }
      result.push(d);
    }
    // Serf logic may have produced more (e.g. a refutation sent from a timer).
    const more = this.ml.drain();
    if (more.length > 0 || this.pending.length > 0) {
      result.push(...more, ...this.pending.splice(0, this.pending.length));
    }
    return result;
  }

  private emit(event: SwimEvent): void {
    this.pending.push({ kind: "event", event });
  }

  private scheduleEvery(nowMs: number, everyMs: number, run: (nowMs: number) => void): void {
    if (everyMs <= 0) return;
    // Stagger the first run so a fleet started together does not act in lockstep.
    const tick = (at: number): void => {
      run(at);
      this.calendar.schedule(at + everyMs, tick);
    };
    this.calendar.schedule(nowMs + everyMs * (0.5 + this.rng.next() / 2), tick);
  }

  private hasAlivePeers(): boolean {
    for (const m of this.table.all()) if (m.name !== this.name && m.status === "alive") return true;
    return false;
  }

  private defaultQueryTimeoutMs(): number {
    const n = this.ml.numMembers();
    return this.ml.config.gossipIntervalMs * this.config.queryTimeoutMult * Math.ceil(Math.log10(n + 1));
  }

  private broadcastJoin(nowMs: number): void {
    const lTime = this.clock.time();
    this.clock.witness(lTime);
    this.table.joinIntent(this.name, lTime, nowMs);
    this.intents.queue(encodeSerfMessage({ kind: "join", lTime, node: this.name }));
  }

  private view(m: SerfMember): MemberView {
    const node = this.ml.node(m.name);
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

  private report(changes: readonly MemberChange[], nowMs: number): void {
    for (const change of changes) {
      switch (change.kind) {
        case "refute":
          this.broadcastJoin(nowMs);
          break;
        case "joined":
          this.emit({ kind: "memberJoined", member: this.view(change.member) });
          break;
        case "updated":
          this.emit({ kind: "memberUpdated", member: this.view(change.member) });
          break;
        case "failed":
          this.emit({ kind: "memberFailed", member: this.view(change.member) });
          break;
        case "left":
          this.emit({ kind: "memberLeft", member: this.view(change.member) });
          break;
        case "reaped":
          this.emit({ kind: "memberReaped", member: this.view(change.member) });
          break;
      }
    }
  }

  private reconnect(nowMs: number): void {
    if (this.state !== "alive") return;
    const failed: SerfMember[] = [];
    let alive = 0;
    for (const m of this.table.all()) {
      if (m.status === "failed") failed.push(m);
      else if (m.status === "alive") alive++;
    }
    if (failed.length === 0) return;
    // Serf: retry with probability failed/alive, so a big outage is not hammered.
    if (this.rng.next() > failed.length / Math.max(1, alive)) return;
    const target = failed[this.rng.int(failed.length)] as SerfMember;
    this.ml.join([target.address], nowMs);
  }

  private reap(nowMs: number): void {
    const c = this.config;
    const reaped = this.table.reap(
      nowMs,
      c.reconnectTimeoutMs,
      c.tombstoneTimeoutMs,
      c.recentIntentTimeoutMs,
    );
    for (const m of reaped) this.emit({ kind: "memberReaped", member: this.view(m) });
    this.book.expire(nowMs);
  }

  private handleUserEvent(lTime: number, name: string, payload: Uint8Array, coalesce: boolean): boolean {
    this.eventClock.witness(lTime);
    if (lTime < this.eventMinTime) return false;
    if (tooOld(lTime, this.eventClock.time())) return false;
    if (!this.eventBuffer.add(lTime, name, payload)) return false;
    this.emit({ kind: "userEventReceived", name, payload, lTime, coalesce });
    return true;
  }

  private handleQuery(q: SerfQuery, nowMs: number): boolean {
    this.queryClock.witness(q.lTime);
    if (q.lTime < this.queryMinTime) return false;
    if (tooOld(q.lTime, this.queryClock.time())) return false;
    if (!this.queryIds.add(q.lTime, q.id)) return false;
    const rebroadcast = (q.flags & QueryFlag.noBroadcast) === 0;
    if (!queryMatches(q.filters, this.name, this.tags)) return rebroadcast;
    const host = bytesToIp(q.addr);
    if (host === undefined) return rebroadcast;
    const origin = { host, port: q.port };
    const timeoutMs = q.timeoutNs / 1_000_000;
    this.book.remember({
      id: q.id,
      lTime: q.lTime,
      origin,
      originName: q.sourceNode,
      relayFactor: q.relayFactor,
      deadlineMs: nowMs + timeoutMs,
    });
    if ((q.flags & QueryFlag.ack) !== 0) {
      const ack = encodeSerfMessage({
        kind: "queryResponse",
        lTime: q.lTime,
        id: q.id,
        from: this.name,
        flags: QueryFlag.ack,
        payload: new Uint8Array(0),
      });
      this.sendResponse(origin, q.sourceNode, q.relayFactor, ack);
    }
    // Serf's internal ping only wants the ack; other internal queries go to the agent.
    if (q.name !== "_serf_ping") {
      this.emit({
        kind: "queryReceived",
        id: q.id,
        lTime: q.lTime,
        name: q.name,
        payload: q.payload,
        sourceNode: q.sourceNode,
      });
    }
    return rebroadcast;
  }

  private handleQueryResponse(r: SerfQueryResponse): void {
    const open = this.book.find(r.lTime, r.id);
    if (open === undefined) return;
    const ack = (r.flags & QueryFlag.ack) !== 0;
    const seen = ack ? open.acks : open.responses;
    if (seen.has(r.from)) return;
    seen.add(r.from);
    this.emit({ kind: "queryResponseReceived", id: r.id, from: r.from, ack, payload: r.payload });
  }

  /** Send a query response to the origin, plus relayed copies through `relayFactor` peers. */
  private sendResponse(origin: Address, originName: string, relayFactor: number, raw: Uint8Array): void {
    this.ml.sendToAddress(origin, raw);
    if (relayFactor <= 0) return;
    const ip = ipToBytes(origin.host);
    if (ip === undefined) return;
    const candidates = [...this.table.all()].filter(
      (m) => m.status === "alive" && m.name !== this.name && m.name !== originName,
    );
    for (const relay of pickRandom(candidates, relayFactor, this.rng)) {
      const wrapped = encodeSerfMessage({
        kind: "relay",
        destAddr: { ip, port: origin.port, zone: "" },
        destName: originName,
        inner: raw,
      });
      this.ml.sendToAddress(relay.address, wrapped);
    }
  }

  private handleMessage(payload: Uint8Array, nowMs: number): void {
    const type = payload[0];
    if (type === undefined) return;
    if (this.extension !== undefined && type === this.extension.messageType) {
      this.extension.onMessage(payload.subarray(1), nowMs);
      return;
    }
    let msg: SerfMessage;
    try {
      msg = decodeSerfMessage(payload);
    } catch {
      return; // Serf logs and drops what it cannot decode; memberlist counted the packet.
    }
    switch (msg.kind) {
      case "leave": {
        const { news, changes } = this.table.leaveIntent(msg.node, msg.lTime, msg.prune, nowMs);
        this.report(changes, nowMs);
        if (news) this.intents.queue(payload.slice());
        break;
      }
      case "join":
        if (this.table.joinIntent(msg.node, msg.lTime, nowMs)) this.intents.queue(payload.slice());
        break;
      case "userEvent":
        if (this.handleUserEvent(msg.lTime, msg.name, msg.payload, msg.cc))
          this.events.queue(payload.slice());
        break;
      case "query":
        if (this.handleQuery(msg, nowMs)) this.queries.queue(payload.slice());
        break;
      case "queryResponse":
        this.handleQueryResponse(msg);
        break;
      case "relay": {
        const host = bytesToIp(msg.destAddr.ip);
        if (host !== undefined) this.ml.sendToAddress({ host, port: msg.destAddr.port }, msg.inner);
        break;
      }
      case "pushPull":
        break; // only ever inside a push/pull stream
    }
  }

  private localState(): Uint8Array {
    const statusLTimes = new Map<string, number>();
    const leftMembers: string[] = [];
    for (const m of this.table.all()) {
      statusLTimes.set(m.name, m.statusLTime);
      if (m.status === "left") leftMembers.push(m.name);
    }
    const serf = encodeSerfMessage({
      kind: "pushPull",
      lTime: this.clock.time(),
      statusLTimes,
      leftMembers,
      eventLTime: this.eventClock.time(),
      events: this.eventBuffer.snapshot(),
      queryLTime: this.queryClock.time(),
    });
    const extra = this.extension?.localState();
    if (extra === undefined || extra.length === 0) return serf;
    const out = new Uint8Array(serf.length + extra.length);
    out.set(serf);
    out.set(extra, serf.length);
    return out;
  }

  private mergeRemoteState(state: Uint8Array, join: boolean, nowMs: number): void {
    if (state.length === 0 || state[0] !== SerfMessageType.pushPull) return;
    let pp: SerfPushPull;
    let rest: Uint8Array;
    try {
      const reader = new MsgpackReader(state, 1);
      pp = serfPushPullStruct.decode(reader);
      rest = state.subarray(reader.pos);
    } catch {
      return;
    }
    if (pp.lTime > 0) this.clock.witness(pp.lTime - 1);
    if (pp.eventLTime > 0) this.eventClock.witness(pp.eventLTime - 1);
    if (pp.queryLTime > 0) this.queryClock.witness(pp.queryLTime - 1);
    const left = new Set(pp.leftMembers);
    for (const name of pp.leftMembers) {
      const { changes } = this.table.leaveIntent(name, (pp.statusLTimes.get(name) ?? 0) + 1, false, nowMs);
      this.report(changes, nowMs);
    }
    for (const [name, lTime] of pp.statusLTimes) {
      if (!left.has(name)) this.table.joinIntent(name, lTime, nowMs);
    }
    if (join && !this.config.replayOnJoin && pp.eventLTime > this.eventMinTime) {
      this.eventMinTime = pp.eventLTime;
    }
    for (const slot of pp.events) {
      if (slot === null) continue;
      for (const e of slot.events) this.handleUserEvent(slot.lTime, e.name, e.payload, false);
    }
    if (rest.length > 0 && this.extension !== undefined) this.extension.mergeRemoteState(rest, join, nowMs);
  }

  private tagsOf(node: NodeView): Record<string, string> {
    try {
      return decodeTags(node.meta);
    } catch {
      return {};
    }
  }

  private delegate(): MemberlistDelegate {
    return {
      nodeMeta: () => encodeTags(this.tags),
      notifyMsg: (payload, _from, nowMs) => this.handleMessage(payload, nowMs),
      hasBroadcasts: () =>
        this.intents.size() + this.events.size() + this.queries.size() + this.extensionQueue.size() > 0,
      getBroadcasts: (overhead, limit) => {
        // Serf fills from intents, then queries, then events, so a join storm's intents
        // starve events. Shoal rotates which queue goes first on every packet; each queue gets
        // what the earlier ones left of the budget.
        const out: Uint8Array[] = [];
        let used = 0;
        const queues = [this.intents, this.queries, this.events, this.extensionQueue];
        const first = this.rotation++ % queues.length;
        for (let i = 0; i < queues.length; i++) {
          const queue = queues[(first + i) % queues.length] as TransmitLimitedQueue;
          if (queue.size() === 0) continue;
          for (const msg of queue.getBroadcasts(overhead, limit - used)) {
            out.push(msg);
            used += overhead + msg.length;
          }
        }
        return out;
      },
      localState: () => this.localState(),
      mergeRemoteState: (state, join, nowMs) => this.mergeRemoteState(state, join, nowMs),
      notifyJoin: (node) => {
        this.report([this.table.nodeJoined(node.name, node.address, this.tagsOf(node), node.vsn)], 0);
      },
      notifyLeave: (node, nowMs) => {
        const change = this.table.nodeLeft(node.name, node.state === "left", nowMs);
        if (change !== undefined) this.report([change], nowMs);
      },
      notifyUpdate: (node) => {
        const change = this.table.nodeUpdated(node.name, node.address, this.tagsOf(node));
        if (change !== undefined) this.report([change], 0);
      },
      ackPayload: () => ACK_PAYLOAD,
      notifyPingComplete: () => undefined,
      memberView: (node) => {
        const m = this.table.get(node.name);
        return {
          name: node.name,
          address: node.address,
          tags: m?.tags ?? this.tagsOf(node),
          status: m?.status ?? "alive",
          memberlistState: node.state,
          incarnation: node.incarnation,
          vsn: node.vsn,
        };
      },
    };
  }
}
