/**
 * SWIM failure detection with Lifeguard (memberlist `state.go` probe/probeNode and `net.go`
 * handlePing/handleIndirectPing/handleAck/handleNack; PROTOCOL.md sections 2.3-2.4).
 *
 * One probe runs at a time. As a state machine over `nowMs`:
 *
 *   tick ─► ping (or [ping, suspect] to a suspect: buddy system)
 *     ├─ ack before probeTimeout ─► success (RTT reported), awareness −1
 *     └─ probeTimeout ─► k indirect pings (+ a TCP ping if the target speaks protocol ≥ 3)
 *          ├─ any ack (relayed) before the scaled probe interval ends ─► success, awareness −1
 *          └─ interval ends ─► TCP said yes? no suspicion ("tcpOnlyReachable")
 *                              else awareness +(missing nacks, or 1) and suspect the target
 *                              (TCP refused: nothing listens there, the suspicion is short)
 *
 * The helper side answers indirect pings by pinging the target itself, relaying the ack, and
 * sending a nack after ProbeTimeout when asked to.
 */

import type { Address, Rng, StreamId, SwimEvent, TcpPingOutcome } from "./api.js";
import type { AckResp, IndirectPing, NackResp, Ping, Suspect } from "../codec/types.js";
import type { Awareness } from "./awareness.js";
import type { MemberlistConfig } from "./config.js";
import { nextTick, type DeadlineCalendar, type TimerHandle } from "./deadline-calendar.js";
import type { MemberlistDelegate } from "./delegate.js";
import type { Membership } from "./membership.js";
import { viewOf } from "./node-list.js";
import type { NodeRecord } from "./node-list.js";
import { bytesToIp } from "./address.js";
import { pickRandom } from "./rng.js";

/** What the prober needs from its owner. */
export interface ProbeHost {
  readonly name: string;
  readonly config: MemberlistConfig;
  readonly rng: Rng;
  readonly calendar: DeadlineCalendar;
  readonly awareness: Awareness;
  readonly delegate: MemberlistDelegate;
  readonly membership: Membership;
  /** Our advertised IP bytes and port (ping Source* fields). */
  advertise(): { readonly addr: Uint8Array; readonly port: number };
  nextSeqNo(): number;
  /** Send one message with piggybacked broadcasts (memberlist `sendMsg`). */
  sendMsg(to: Address, message: Ping | IndirectPing | AckResp | NackResp): void;
  /** Send these messages as one packet, no piggybacking; CRC when `node` speaks protocol ≥ 5. */
  sendRaw(to: Address, messages: readonly (Ping | Suspect)[], node: NodeRecord | undefined): void;
  /** Dial a TCP ping; the result comes back through `onResult`. */
  dialPing(to: Address, ping: Ping, timeoutMs: number, onResult: (outcome: TcpPingOutcome) => void): StreamId;
  emit(event: SwimEvent): void;
}

interface AckHandler {
  readonly onAck: (payload: Uint8Array | null, nowMs: number) => void;
  readonly onNack: (() => void) | undefined;
  readonly timer: TimerHandle;
}

/** The one probe in flight. */
interface ActiveProbe {
  readonly target: NodeRecord;
  /** Incarnation and name at probe start (memberlist probes a copy of the node). */
  readonly incarnation: number;
  readonly seqNo: number;
  readonly sentMs: number;
  readonly deadlineMs: number;
  /** Still inside the direct-ack window (ProbeTimeout): acks here report an RTT. */
  direct: boolean;
  expectedNacks: number;
  nacks: number;
  tcp: "none" | "pending" | TcpPingOutcome;
  timers: TimerHandle[];
  done: boolean;
}

/** The prober plus the ack/nack handler table shared with the helper side. */
export class Prober {
  private readonly ackHandlers = new Map<number, AckHandler>();
  private active: ActiveProbe | undefined;
  /** A tick arrived while a probe ran; like Go's buffered ticker, probe again right after. */
  private tickPending = false;
  private tickTimer: TimerHandle | undefined;

  constructor(private readonly host: ProbeHost) {}

  /** Start the probe ticker with a random stagger in [0, interval). */
  start(nowMs: number): void {
    const interval = this.host.config.probeIntervalMs;
    if (interval <= 0) return;
    this.scheduleTick(nowMs + this.host.rng.next() * interval);
  }

  /** Stop ticking (shutdown). */
  stop(): void {
    this.host.calendar.cancel(this.tickTimer);
    this.tickTimer = undefined;
  }

  /** True while a probe is in flight (tests). */
  busy(): boolean {
    return this.active !== undefined;
  }

  private scheduleTick(atMs: number): void {
    this.tickTimer = this.host.calendar.schedule(atMs, (now) => {
      this.scheduleTick(nextTick(atMs, this.host.config.probeIntervalMs, now));
      if (this.active !== undefined) {
        this.tickPending = true;
        return;
      }
      this.probe(now);
    });
  }

  /** memberlist's `probe()`: choose the next round-robin target and probe it. */
  probe(nowMs: number): void {
    const h = this.host;
    const target = h.membership.nodes.nextProbeTarget(
      h.name,
      nowMs,
      h.config.gossipToTheDeadTimeMs,
      h.rng,
      (reaped) => h.membership.forget(reaped.name),
    );
    if (target !== undefined) this.probeNode(target, nowMs);
  }

  /** memberlist's `probeNode`. */
  probeNode(target: NodeRecord, nowMs: number): void {
    const h = this.host;
    const interval = h.awareness.scaleTimeout(h.config.probeIntervalMs);
    const self = h.advertise();
    const ping: Ping = {
      kind: "ping",
      seqNo: h.nextSeqNo(),
      node: target.name,
      sourceAddr: self.addr,
      sourcePort: self.port,
      sourceNode: h.name,
    };
    const probe: ActiveProbe = {
      target,
      incarnation: target.incarnation,
      seqNo: ping.seqNo,
      sentMs: nowMs,
      deadlineMs: nowMs + interval,
      direct: true,
      expectedNacks: 0,
      nacks: 0,
      tcp: "none",
      timers: [],
      done: false,
    };
    this.active = probe;
    this.setAckHandler(
      ping.seqNo,
      (payload, at) => this.probeAcked(probe, payload, at),
      () => {
        probe.nacks++;
      },
      interval,
      nowMs,
    );

    if (target.state === "alive") {
      h.sendMsg(target.address, ping);
    } else {
      // Buddy system: tell a suspect it is suspected, in the same packet, so it can refute now.
      h.sendRaw(
        target.address,
        [ping, { kind: "suspect", incarnation: target.incarnation, node: target.name, from: h.name }],
        target,
      );
    }
    probe.timers.push(
      h.calendar.schedule(nowMs + h.config.probeTimeoutMs, (at) => this.directTimeout(probe, ping, at)),
    );
    probe.timers.push(h.calendar.schedule(probe.deadlineMs, (at) => this.probeFailed(probe, at)));
  }

  /** No direct ack within ProbeTimeout: indirect pings and the TCP fallback, in parallel. */
  private directTimeout(probe: ActiveProbe, ping: Ping, nowMs: number): void {
    if (probe.done) return;
    probe.direct = false;
    const h = this.host;
    const target = probe.target;
    const helpers = pickRandom(
      h.membership.nodes.all(),
      h.config.indirectChecks,
      h.rng,
      (n) => n.name === h.name || n.name === target.name || n.state !== "alive",
    );
    const self = h.advertise();
    for (const peer of helpers) {
      const nack = (peer.vsn[1] ?? 0) >= 4;
      if (nack) probe.expectedNacks++;
      h.sendMsg(peer.address, {
        kind: "indirectPing",
        seqNo: probe.seqNo,
        target: target.addrBytes,
        port: target.address.port,
        node: target.name,
        nack,
        sourceAddr: self.addr,
        sourcePort: self.port,
        sourceNode: h.name,
      });
    }
    if (!h.config.disableTcpPings && (target.vsn[1] ?? 0) >= 3) {
      probe.tcp = "pending";
      h.dialPing(target.address, ping, Math.max(probe.deadlineMs - nowMs, 0), (outcome) => {
        if (probe.tcp === "pending") probe.tcp = outcome;
      });
    }
  }

  private probeAcked(probe: ActiveProbe, payload: Uint8Array | null, nowMs: number): void {
    if (probe.done) return;
    if (probe.direct) {
      const rttMs = nowMs - probe.sentMs;
      this.host.delegate.notifyPingComplete(viewOf(probe.target), rttMs, payload ?? new Uint8Array(0));
      this.host.emit({ kind: "probeCompleted", node: probe.target.name, rttMs });
    }
    this.finish(probe, -1, nowMs);
  }

  /** The scaled probe interval ran out without a UDP ack. */
  private probeFailed(probe: ActiveProbe, nowMs: number): void {
    if (probe.done) return;
    const h = this.host;
    if (probe.tcp === "acked") {
      // UDP is broken somewhere but the node is alive: do not accuse it.
      h.emit({ kind: "tcpOnlyReachable", node: probe.target.name });
      this.finish(probe, -1, nowMs);
      return;
    }
    const delta = probe.expectedNacks > 0 ? Math.max(probe.expectedNacks - probe.nacks, 0) : 1;
    const refused = probe.tcp === "refused";
    h.emit({ kind: "probeFailed", node: probe.target.name, refused });
    this.finish(probe, delta, nowMs, () =>
      h.membership.suspectNode(
        { kind: "suspect", incarnation: probe.incarnation, node: probe.target.name, from: h.name },
        nowMs,
        refused,
      ),
    );
  }

  /**
   * End a probe. Order as in memberlist: the outcome (`then`, e.g. suspecting the target) first,
   * then the awareness change (a deferred call there), then any tick that queued up meanwhile.
   */
  private finish(probe: ActiveProbe, awarenessDelta: number, nowMs: number, then?: () => void): void {
    probe.done = true;
    for (const t of probe.timers) this.host.calendar.cancel(t);
    const handler = this.ackHandlers.get(probe.seqNo);
    if (handler !== undefined) {
      this.host.calendar.cancel(handler.timer);
      this.ackHandlers.delete(probe.seqNo);
    }
    if (this.active === probe) this.active = undefined;
    then?.();
    this.host.awareness.applyDelta(awarenessDelta);
    if (this.tickPending) {
      this.tickPending = false;
      this.probe(nowMs);
    }
  }

  /** Register an ack (and optional nack) callback for `seqNo`, dropped after `timeoutMs`. */
  private setAckHandler(
    seqNo: number,
    onAck: (payload: Uint8Array | null, nowMs: number) => void,
    onNack: (() => void) | undefined,
    timeoutMs: number,
    nowMs: number,
  ): void {
    const timer = this.host.calendar.schedule(nowMs + timeoutMs, () => {
      if (this.ackHandlers.get(seqNo)?.timer === timer) this.ackHandlers.delete(seqNo);
    });
    this.ackHandlers.set(seqNo, { onAck, onNack, timer });
  }

  /** An ackResp arrived (UDP). */
  handleAck(ack: AckResp, nowMs: number): void {
    const handler = this.ackHandlers.get(ack.seqNo);
    if (handler === undefined) return;
    this.ackHandlers.delete(ack.seqNo);
    this.host.calendar.cancel(handler.timer);
    handler.onAck(ack.payload, nowMs);
  }

  /** A nackResp arrived. */
  handleNack(nack: NackResp): void {
    this.ackHandlers.get(nack.seqNo)?.onNack?.();
  }

  /** Answer a ping if it is for us (or for anyone), to its Source* address when given. */
  handlePing(ping: Ping, from: Address): void {
    const h = this.host;
    if (ping.node !== "" && ping.node !== h.name) return;
    const to = replyAddress(ping.sourceAddr, ping.sourcePort, from);
    h.sendMsg(to, { kind: "ackResp", seqNo: ping.seqNo, payload: h.delegate.ackPayload() });
  }

  /** Helper side of an indirect probe: ping the target, relay its ack, nack if asked. */
  handleIndirectPing(ind: IndirectPing, from: Address, nowMs: number): void {
    const h = this.host;
    const targetHost = bytesToIp(ind.target);
    if (targetHost === undefined) return;
    const port = h.config.protocolVersion < 2 || ind.port === 0 ? h.advertise().port : ind.port;
    const requester = replyAddress(ind.sourceAddr, ind.sourcePort, from);
    const self = h.advertise();
    const localSeq = h.nextSeqNo();
    let nackTimer: TimerHandle | undefined;
    this.setAckHandler(
      localSeq,
      () => {
        h.calendar.cancel(nackTimer);
        h.sendMsg(requester, { kind: "ackResp", seqNo: ind.seqNo, payload: null });
      },
      undefined,
      h.config.probeTimeoutMs,
      nowMs,
    );
    h.sendMsg(
      { host: targetHost, port },
      {
        kind: "ping",
        seqNo: localSeq,
        node: ind.node,
        sourceAddr: self.addr,
        sourcePort: self.port,
        sourceNode: h.name,
      },
    );
    if (ind.nack) {
      nackTimer = h.calendar.schedule(nowMs + h.config.probeTimeoutMs, () => {
        h.sendMsg(requester, { kind: "nackResp", seqNo: ind.seqNo });
      });
    }
  }
}

/** Reply to SourceAddr:SourcePort when both are present (NAT-friendly), else to the sender. */
export function replyAddress(
  sourceAddr: Uint8Array | undefined,
  sourcePort: number | undefined,
  from: Address,
): Address {
  if (sourceAddr !== undefined && sourceAddr.length > 0 && sourcePort !== undefined && sourcePort > 0) {
    const host = bytesToIp(sourceAddr);
    if (host !== undefined) return { host, port: sourcePort };
  }
  return from;
}
