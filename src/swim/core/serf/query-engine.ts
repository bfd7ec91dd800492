/**
 * Serf's query flow (`serf.go` Query / handleQuery / handleQueryResponse, `query.go`
 * relayResponse, `event.go` Query.Respond, `delegate.go` relay forwarding): stamping and
 * queueing a query, answering one (ack at once when asked, a response when the shell
 * responds), collecting answers until the deadline, and relaying.
 *
 * Answers travel as direct UDP user messages to the origin's address (memberlist's
 * SendToAddress). An answer addressed to this very node is handled in place rather than
 * looped through the network.
 */
import type { Address, QueryParams, Rng, SwimEvent } from "../api.js";
import { bytesToIp, ipToBytes, sameAddress } from "../address.js";
import type { DeadlineCalendar } from "../deadline-calendar.js";
import type { MemberlistHandle } from "../delegate.js";
import { decodeSerfMessage, encodeSerfMessage } from "../../codec/serf-messages.js";
import type { SerfQuery, SerfQueryResponse, SerfRelay } from "../../codec/types.js";
import { QueryFlag } from "../../codec/types.js";
import { ErrorCode, ShoalError } from "../../../errors.js";
import type { TransmitLimitedQueue } from "../broadcast-queue.js";
import type { SerfConfig } from "./config.js";
import type { MemberTable } from "./member-state.js";
import {
  QueryBook,
  QueryBuffer,
  defaultQueryTimeoutMs,
  encodeQueryFilters,
  pickRelays,
  queryMatches,
} from "./query.js";

/** What the query flow needs from the Serf layer around it. */
export interface QueryHost {
  readonly name: string;
  readonly config: SerfConfig;
  readonly gossipIntervalMs: number;
  readonly rng: Rng;
  readonly calendar: DeadlineCalendar;
  readonly members: MemberTable;
  /** Serf's query broadcast queue. */
  readonly queue: TransmitLimitedQueue;
  memberlist(): MemberlistHandle;
  localAddress(): Address;
  tags(): Readonly<Record<string, string>>;
  emit(event: SwimEvent): void;
}

/** Queries started and received by one node. */
export class QueryEngine {
  /** The query clock and (LTime, ID) de-duplication ring. */
  readonly buffer: QueryBuffer;
  readonly book = new QueryBook();

  /** @param restoredClock The query clock of a previous run. */
  constructor(
    private readonly host: QueryHost,
    restoredClock?: number,
  ) {
    this.buffer = new QueryBuffer(restoredClock);
  }

  /** Serf's Query: returns the query id; answers arrive as events until `queryClosed`. */
  start(params: QueryParams, nowMs: number): number {
    const host = this.host;
    const timeoutMs =
      params.timeoutMs !== undefined && params.timeoutMs > 0
        ? params.timeoutMs
        : defaultQueryTimeoutMs(host.gossipIntervalMs, host.config.queryTimeoutMult, this.reachableCount());
    const local = host.localAddress();
    const addr = ipToBytes(local.host);
    if (addr === undefined) throw new ShoalError(ErrorCode.invalid, "query: advertise address is not an IP");
    const relayFactor = params.relayFactor ?? 0;
    if (!Number.isInteger(relayFactor) || relayFactor < 0 || relayFactor > 255) {
      throw new ShoalError(ErrorCode.invalid, `query: relay factor must be 0..255, got ${relayFactor}`);
    }
    const query: SerfQuery = {
      kind: "query",
      lTime: this.buffer.clock.time(),
      id: host.rng.int(0x80000000),
      addr,
      port: local.port,
      sourceNode: host.name,
      filters: encodeQueryFilters(params),
      flags: params.requestAck === true ? QueryFlag.ack : 0,
      relayFactor,
      timeoutNs: Math.round(timeoutMs * 1_000_000),
      name: params.name,
      payload: params.payload,
    };
    const raw = encodeSerfMessage(query);
    if (raw.length > host.config.querySizeLimit) {
      throw new ShoalError(
        ErrorCode.limit,
        `query is ${raw.length} bytes, over the limit of ${host.config.querySizeLimit}`,
      );
    }
    this.book.open(query.lTime, query.id, params.requestAck === true);
    host.calendar.schedule(nowMs + timeoutMs, () => {
      this.book.close(query.lTime);
      host.emit({ kind: "queryClosed", id: query.id });
    });
    // Processing it locally advances the query clock (witness) and answers our own filters.
    this.handleQuery(query, nowMs);
    host.queue.queue(raw);
    return query.id;
  }

  /** Serf's Query.Respond: once, before the deadline, to the origin and through relays. */
  respond(queryId: number, lTime: number, payload: Uint8Array, nowMs: number): void {
    const limit = this.host.config.queryResponseSizeLimit;
    const raw = encodeSerfMessage({
      kind: "queryResponse",
      lTime,
      id: queryId,
      from: this.host.name,
      flags: 0,
      payload,
    });
    if (raw.length > limit) {
      throw new ShoalError(
        ErrorCode.limit,
        `query response is ${raw.length} bytes, over the limit of ${limit}`,
      );
    }
    const claim = this.book.respondTo(queryId, lTime, nowMs);
    if (!claim.ok) throw new ShoalError(ErrorCode.invalid, claim.reason);
    const q = claim.query;
    this.sendResponse(q.origin, q.originName, q.relayFactor, raw, nowMs);
  }

  /**
   * Serf's handleQuery; true when it is to be re-broadcast (first sight, and no
   * "do not rebroadcast" flag, whether or not the filters select us). Internal `_serf_*`
   * queries are reported like any other, by name: the agent answers them.
   */
  handleQuery(q: SerfQuery, nowMs: number): boolean {
    const host = this.host;
    if (!this.buffer.accept(q.lTime, q.id)) return false;
    const rebroadcast = (q.flags & QueryFlag.noBroadcast) === 0;
    if (!queryMatches(q.filters, host.name, host.tags())) return rebroadcast;
    const originHost = bytesToIp(q.addr);
    if (originHost === undefined) return rebroadcast;
    const origin = { host: originHost, port: q.port };
    if ((q.flags & QueryFlag.ack) !== 0) {
      const ack = encodeSerfMessage({
        kind: "queryResponse",
        lTime: q.lTime,
        id: q.id,
        from: host.name,
        flags: QueryFlag.ack,
        payload: new Uint8Array(0),
      });
      this.sendResponse(origin, q.sourceNode, q.relayFactor, ack, nowMs);
    }
    this.book.remember({
      id: q.id,
      lTime: q.lTime,
      origin,
      originName: q.sourceNode,
      relayFactor: q.relayFactor,
      deadlineMs: nowMs + q.timeoutNs / 1_000_000,
    });
    host.emit({
      kind: "queryReceived",
      id: q.id,
      lTime: q.lTime,
      name: q.name,
      payload: q.payload,
      sourceNode: q.sourceNode,
    });
    return rebroadcast;
  }

  /** Serf's handleQueryResponse: the first ack and the first response per node, while open. */
  handleResponse(r: SerfQueryResponse): void {
    const ack = (r.flags & QueryFlag.ack) !== 0;
    if (!this.book.recordAnswer(r.lTime, r.id, r.from, ack)) return;
    this.host.emit({ kind: "queryResponseReceived", id: r.id, from: r.from, ack, payload: r.payload });
  }

  /** A relayed answer: forward the inner message to its destination. */
  handleRelay(msg: SerfRelay, nowMs: number): void {
    const host = bytesToIp(msg.destAddr.ip);
    if (host === undefined) return;
    this.deliver({ host, port: msg.destAddr.port }, msg.inner, nowMs);
  }

  /** Forget received queries past their deadline. */
  expire(nowMs: number): void {
    this.book.expire(nowMs);
  }

  /** An answer to the origin, plus relayed copies through `relayFactor` random peers. */
  private sendResponse(
    origin: Address,
    originName: string,
    relayFactor: number,
    raw: Uint8Array,
    nowMs: number,
  ): void {
    this.deliver(origin, raw, nowMs);
    if (relayFactor <= 0 || sameAddress(origin, this.host.localAddress())) return;
    const ip = ipToBytes(origin.host);
    if (ip === undefined) return;
    const relayed = encodeSerfMessage({
      kind: "relay",
      destAddr: { ip, port: origin.port, zone: "" },
      destName: originName,
      inner: raw,
    });
    // Serf reports an error here; the direct copy has gone out already.
    if (relayed.length > this.host.config.queryResponseSizeLimit) return;
    const members = [...this.host.members.all()];
    for (const peer of pickRelays(members, relayFactor, this.host.name, this.host.rng)) {
      this.deliver(peer.address, relayed, nowMs);
    }
  }

  private deliver(to: Address, raw: Uint8Array, nowMs: number): void {
    if (!sameAddress(to, this.host.localAddress())) {
      this.host.memberlist().sendToAddress(to, raw);
      return;
    }
    let msg;
    try {
      msg = decodeSerfMessage(raw);
    } catch {
      return; // our own bytes: cannot happen
    }
    if (msg.kind === "queryResponse") this.handleResponse(msg);
    else if (msg.kind === "relay") this.handleRelay(msg, nowMs);
  }

  /** memberlist's NumMembers: nodes not dead or left (what Serf's default timeout counts). */
  private reachableCount(): number {
    let n = 0;
    for (const node of this.host.memberlist().members()) {
      if (node.state === "alive" || node.state === "suspect") n++;
    }
    return n;
  }
}
