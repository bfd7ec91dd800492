/**
 * The membership state machine (memberlist `state.go` aliveNode / suspectNode / deadNode /
 * refute / mergeState / verifyProtocol; PROTOCOL.md section 2.5): how alive, suspect and dead
 * messages change the node list, when they are re-gossiped, and when this node refutes.
 */

import type { MemberView, Rng, SwimEvent } from "./api.js";
import type { Alive, Dead, PushNodeState, Suspect } from "../codec/types.js";
import type { Awareness } from "./awareness.js";
import type { MemberlistConfig } from "./config.js";
import type { DeadlineCalendar, TimerHandle } from "./deadline-calendar.js";
import type { MemberlistDelegate, NodeView } from "./delegate.js";
import { NodeList, viewOf } from "./node-list.js";
import type { NodeRecord } from "./node-list.js";
import { bytesToIp } from "./address.js";
import { stateFromWire } from "./status.js";
import { Suspicion, suspicionTimeoutMs } from "./suspicion.js";

/** What the membership state machine needs from its owner. */
export interface MembershipHost {
  readonly name: string;
  readonly config: MemberlistConfig;
  readonly rng: Rng;
  readonly calendar: DeadlineCalendar;
  readonly awareness: Awareness;
  readonly delegate: MemberlistDelegate;
  /** Our advertised port: alive messages with port 0 (protocol 1) mean "the configured port". */
  readonly localPort: number;
  /** True once a graceful leave started. */
  isLeaving(): boolean;
  /** Queue a memberlist broadcast under `name` (invalidating a queued one of the same name). */
  broadcast(name: string, message: Alive | Suspect | Dead, onFinished?: () => void): void;
  /** Report an event. */
  emit(event: SwimEvent): void;
}

interface ActiveSuspicion {
  readonly suspicion: Suspicion;
  timer: TimerHandle;
}

/** Equal bytes (addresses, meta). Only ever given byte arrays, so V8 keeps it monomorphic. */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A received Vsn equals a record's (kept apart from {@link bytesEqual}: number[] here). */
function vsnEqual(a: Uint8Array, b: readonly number[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The node list plus the rules that change it. */
export class Membership {
  /** Every known node, self included. */
  readonly nodes = new NodeList();
  private readonly suspicions = new Map<string, ActiveSuspicion>();
  /** memberlist's `m.incarnation` counter (self's incarnation source). */
  private incarnation = 0;

  constructor(private readonly host: MembershipHost) {}

  /** Our own record (exists after {@link setAlive}). */
  self(): NodeRecord {
    const me = this.nodes.get(this.host.name);
    if (me === undefined) throw new Error("memberlist: local node not initialised");
    return me;
  }

  /** Next incarnation of self. */
  nextIncarnation(): number {
    this.incarnation++;
    return this.incarnation;
  }

  /** Number of active suspicion timers (tests, metrics). */
  activeSuspicions(): number {
    return this.suspicions.size;
  }

  /** The suspicion of `name`, if one runs (tests). */
  suspicionOf(name: string): Suspicion | undefined {
    return this.suspicions.get(name)?.suspicion;
  }

  /** A MemberView for memberlist-level events, via the delegate when it offers one. */
  memberView(node: NodeRecord): MemberView {
    const view = viewOf(node);
    if (this.host.delegate.memberView !== undefined) return this.host.delegate.memberView(view);
    return {
      name: view.name,
      address: view.address,
      tags: {},
      status: node.state === "dead" ? "failed" : node.state === "left" ? "left" : "alive",
      memberlistState: node.state,
      incarnation: node.incarnation,
      vsn: view.vsn,
    };
  }

  /**
   * memberlist's `aliveNode`.
   *
   * @param bootstrap True only for our own initial alive and `updateNode`, which must not refute.
   * @param onFinished Broadcast-finished callback (used by updateNode).
   */
  aliveNode(a: Alive, nowMs: number, bootstrap = false, onFinished?: () => void): void {
    const host = this.host;
    const isLocal = a.node === host.name;
    // A leaving node ignores alive messages about itself, so it cannot be revived by old news.
    if (isLocal && host.isLeaving()) return;

    // memberlist's handleAlive: protocol 1 sent no port, so port 0 means our configured one.
    const port = a.port === 0 || host.config.protocolVersion < 2 ? host.localPort : a.port;

    // Fast path for stale news about a peer we already know at the same address and port:
    // the rules below end in "ignore" for it whatever its Vsn and the delegate's verdict (same
    // address and port, so no conflict and no reclaim; not newer; not about us), and at 1,000
    // nodes nearly every alive received is such a re-transmission. Unlike memberlist the
    // delegate is not asked about it. Compares only, allocates nothing; `port` is the one the
    // rules below compare, so an alive the address rules would act on never takes this exit.
    const known = isLocal ? undefined : this.nodes.get(a.node);
    if (
      known !== undefined &&
      a.incarnation <= known.incarnation &&
      port === known.address.port &&
      bytesEqual(known.addrBytes, a.addr)
    ) {
      return;
    }

    const v = a.vsn;
    if (v.length >= 3) {
      const pMin = v[0] as number;
      const pMax = v[1] as number;
      if (pMin === 0 || pMax === 0 || pMin > pMax) return;
    }
    const parsedHost = bytesToIp(a.addr);
    const vsn =
      v.length >= 6
        ? [v[0] as number, v[1] as number, v[2] as number, v[3] as number, v[4] as number, v[5] as number]
        : [0, 0, 0, 0, 0, 0];

    // As memberlist, the delegate sees the alive before any address check of ours: Serf's
    // refuses a malformed `Addr` itself (handed over as an empty host), and counts it.
    if (host.delegate.notifyAlive !== undefined) {
      if (a.vsn.length < 6) return;
      const candidate: NodeView = {
        name: a.node,
        address: { host: parsedHost ?? "", port },
        meta: a.meta,
        incarnation: a.incarnation,
        state: "alive",
        stateChangeMs: nowMs,
        vsn,
      };
      if (host.delegate.notifyAlive(candidate) !== undefined) return;
    }
    if (parsedHost === undefined) return;
    const host4or16 = parsedHost;

    let state = this.nodes.get(a.node);
    let updatesNode = false;
    if (state === undefined) {
      // New nodes start "dead" (never seen), so accepting the alive fires NotifyJoin.
      state = {
        name: a.node,
        address: { host: host4or16, port },
        addrBytes: a.addr,
        meta: a.meta,
        incarnation: 0,
        state: "dead",
        stateChangeMs: Number.NEGATIVE_INFINITY,
        vsn: a.vsn.length > 5 ? vsn : [0, 0, 0, 0, 0, 0],
      };
      this.nodes.add(state, host.rng);
    } else if (!bytesEqual(state.addrBytes, a.addr) || state.address.port !== port) {
      const reclaimMs = host.config.deadNodeReclaimTimeMs;
      const canReclaim = reclaimMs > 0 && nowMs - state.stateChangeMs > reclaimMs;
      if (state.state === "left" || (state.state === "dead" && canReclaim)) {
        updatesNode = true;
      } else {
        // Two nodes claim one name: keep ours, tell the delegate (Serf runs a conflict query).
        host.delegate.notifyConflict?.(viewOf(state), {
          name: a.node,
          address: { host: host4or16, port },
          meta: a.meta,
          incarnation: a.incarnation,
          state: "alive",
          stateChangeMs: nowMs,
          vsn,
        });
        return;
      }
    }

    if (a.incarnation <= state.incarnation && !isLocal && !updatesNode) return;
    if (a.incarnation < state.incarnation && isLocal) return;

    this.clearSuspicion(a.node, "refuted", nowMs);
    const oldState = state.state;
    const oldMeta = state.meta;

    if (!bootstrap && isLocal) {
      // Someone gossips an alive about us that differs from what we are: refute it, unless it
      // is exactly our current incarnation (our own message coming back).
      if (
        a.incarnation === state.incarnation &&
        bytesEqual(a.meta, state.meta) &&
        vsnEqual(a.vsn, state.vsn)
      ) {
        return;
      }
      this.refute(state, a.incarnation);
    } else {
      host.broadcast(a.node, a, onFinished);
      if (a.vsn.length >= 6) state.vsn = vsn;
      state.incarnation = a.incarnation;
      state.meta = a.meta;
      state.addrBytes = a.addr;
      state.address = { host: host4or16, port };
      if (state.state !== "alive") {
        state.state = "alive";
        state.stateChangeMs = nowMs;
      }
    }

    if (oldState === "dead" || oldState === "left") {
      host.delegate.notifyJoin(viewOf(state), nowMs);
    } else if (!bytesEqual(oldMeta, state.meta)) {
      host.delegate.notifyUpdate(viewOf(state), nowMs);
    }
  }

  /**
   * Add a peer as alive without announcing it, as if its alive had arrived long ago and been
   * gossiped out (a formed cluster's start, see `Memberlist.adoptFormedView`). A known name is
   * left as it is.
   */
  adopt(
    peer: Pick<NodeRecord, "name" | "address" | "addrBytes" | "meta" | "incarnation" | "vsn">,
    nowMs: number,
  ): void {
    if (this.nodes.get(peer.name) !== undefined) return;
    const record: NodeRecord = { ...peer, vsn: [...peer.vsn], state: "alive", stateChangeMs: nowMs };
    this.nodes.add(record, this.host.rng);
    this.host.delegate.notifyJoin(viewOf(record), nowMs);
  }

  /**
   * memberlist's `suspectNode`. `refused`: this node's own probe found nothing listening on the
   * member's TCP port, so its suspicion expires within `refusedSuspicionTimeoutMs` (Shoal).
   */
  suspectNode(s: Suspect, nowMs: number, refused = false): void {
    const host = this.host;
    const state = this.nodes.get(s.node);
    if (state === undefined) return;
    if (s.incarnation < state.incarnation) return;
    const refusedCapMs = host.config.refusedSuspicionTimeoutMs;
    const capAt = refused && refusedCapMs > 0 ? nowMs + refusedCapMs : undefined;

    const active = this.suspicions.get(s.node);
    if (active !== undefined) {
      // Already suspected: an independent accuser is a confirmation, which shortens the
      // timeout and is re-gossiped so confirmations spread.
      const confirmed = active.suspicion.confirm(s.from, nowMs);
      const capped = capAt !== undefined && active.suspicion.expireBy(capAt);
      if (confirmed || capped) this.rescheduleSuspicion(s.node, active);
      if (confirmed) {
        host.broadcast(s.node, s);
        host.emit({ kind: "suspicionConfirmed", node: s.node, from: s.from });
      }
      return;
    }
    if (state.state !== "alive") return;

    if (state.name === host.name) {
      this.refute(state, s.incarnation);
      return;
    }
    host.broadcast(s.node, s);

    state.incarnation = s.incarnation;
    state.state = "suspect";
    const changeMs = nowMs;
    state.stateChangeMs = changeMs;

    const n = this.nodes.size();
    let k = host.config.suspicionMult - 2;
    if (n - 2 < k) k = 0;
    const minMs = suspicionTimeoutMs(host.config.suspicionMult, n, host.config.probeIntervalMs);
    const maxMs = host.config.suspicionMaxTimeoutMult * minMs;
    const suspicion = new Suspicion(s.from, k, minMs, maxMs, nowMs);
    if (capAt !== undefined) suspicion.expireBy(capAt);
    const entry: ActiveSuspicion = {
      suspicion,
      timer: host.calendar.schedule(suspicion.deadlineMs(), (at) =>
        this.suspicionExpired(s.node, changeMs, at),
      ),
    };
    this.suspicions.set(s.node, entry);
    host.emit({ kind: "memberSuspected", member: this.memberView(state), from: s.from });
  }

  /** memberlist's `deadNode`. */
  deadNode(d: Dead, nowMs: number, onFinished?: () => void): void {
    const host = this.host;
    const state = this.nodes.get(d.node);
    if (state === undefined) return;
    if (d.incarnation < state.incarnation) return;
    this.clearSuspicion(d.node, "failed", nowMs);
    if (state.state === "dead" || state.state === "left") return;

    if (state.name === host.name) {
      if (!host.isLeaving()) {
        this.refute(state, d.incarnation);
        return;
      }
      host.broadcast(d.node, d, onFinished);
    } else {
      host.broadcast(d.node, d);
    }

    state.incarnation = d.incarnation;
    state.state = d.node === d.from ? "left" : "dead";
    state.stateChangeMs = nowMs;
    host.delegate.notifyLeave(viewOf(state), nowMs);
  }

  /**
   * memberlist's `refute`: take a new incarnation above the accused one, raise awareness (being
   * accused is evidence we are slow) and broadcast alive. The broadcast is named by our *IP
   * text*, not our node name, exactly as memberlist does, so it never invalidates (nor is
   * invalidated by) queued messages about our name.
   */
  refute(me: NodeRecord, accusedIncarnation: number): void {
    let inc = this.nextIncarnation();
    if (accusedIncarnation >= inc) {
      this.incarnation = accusedIncarnation + 1;
      inc = this.incarnation;
    }
    me.incarnation = inc;
    this.host.awareness.applyDelta(1);
    this.host.broadcast(me.address.host, {
      kind: "alive",
      incarnation: inc,
      node: me.name,
      addr: me.addrBytes,
      port: me.address.port,
      meta: me.meta,
      vsn: Uint8Array.from(me.vsn),
    });
    this.host.emit({ kind: "refuted", incarnation: inc });
  }

  /**
   * memberlist's `mergeState` for a push/pull: remote alive as alive, remote left as dead with
   * From = Node (left), remote **dead as suspect** (never instant death: the remote view may be
   * stale) and remote suspect as suspect from us.
   */
  mergeState(remote: readonly PushNodeState[], nowMs: number): void {
    for (const r of remote) {
      const state = stateFromWire(r.state);
      switch (state) {
        case "alive":
          this.aliveNode(
            {
              kind: "alive",
              incarnation: r.incarnation,
              node: r.name,
              addr: r.addr,
              port: r.port,
              meta: r.meta,
              vsn: r.vsn,
            },
            nowMs,
          );
          break;
        case "left":
          this.deadNode({ kind: "dead", incarnation: r.incarnation, node: r.name, from: r.name }, nowMs);
          break;
        case "dead":
        case "suspect":
          this.suspectNode(
            { kind: "suspect", incarnation: r.incarnation, node: r.name, from: this.host.name },
            nowMs,
          );
          break;
      }
    }
  }

  /**
   * memberlist's `verifyProtocol`: every node's current protocol and delegate versions (remote
   * and local) must lie in [max of mins, min of maxes] over the alive nodes of both views.
   * Returns an error message, or undefined if compatible.
   */
  verifyProtocol(remote: readonly PushNodeState[]): string | undefined {
    let maxpmin = 0;
    let minpmax = 255;
    let maxdmin = 0;
    let mindmax = 255;
    for (const rn of remote) {
      if (rn.state !== 0 || rn.vsn.length < 5) continue;
      maxpmin = Math.max(maxpmin, rn.vsn[0] ?? 0);
      minpmax = Math.min(minpmax, rn.vsn[1] ?? 0);
      maxdmin = Math.max(maxdmin, rn.vsn[3] ?? 0);
      mindmax = Math.min(mindmax, rn.vsn[4] ?? 0);
    }
    for (const n of this.nodes.all()) {
      if (n.state !== "alive") continue;
      maxpmin = Math.max(maxpmin, n.vsn[0] ?? 0);
      minpmax = Math.min(minpmax, n.vsn[1] ?? 0);
      maxdmin = Math.max(maxdmin, n.vsn[3] ?? 0);
      mindmax = Math.min(mindmax, n.vsn[4] ?? 0);
    }
    const check = (name: string, pcur: number, dcur: number): string | undefined => {
      if (pcur < maxpmin || pcur > minpmax) {
        return `Node '${name}' protocol version (${pcur}) is incompatible: [${maxpmin}, ${minpmax}]`;
      }
      if (dcur < maxdmin || dcur > mindmax) {
        return `Node '${name}' delegate protocol version (${dcur}) is incompatible: [${maxdmin}, ${mindmax}]`;
      }
      return undefined;
    };
    for (const rn of remote) {
      const problem =
        rn.vsn.length >= 6 ? check(rn.name, rn.vsn[2] ?? 0, rn.vsn[5] ?? 0) : check(rn.name, 0, 0);
      if (problem !== undefined) return problem;
    }
    for (const n of this.nodes.all()) {
      const problem = check(n.name, n.vsn[2] ?? 0, n.vsn[5] ?? 0);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  /** Forget a reaped node's suspicion (it is gone from the list). */
  forget(name: string): void {
    this.clearSuspicion(name, "reaped");
  }

  private clearSuspicion(name: string, outcome: "failed" | "refuted" | "reaped", nowMs?: number): void {
    const active = this.suspicions.get(name);
    if (active === undefined) return;
    this.host.calendar.cancel(active.timer);
    this.suspicions.delete(name);
    this.emitSuspicionEnded(name, active, outcome, nowMs);
  }

  private emitSuspicionEnded(
    node: string,
    active: ActiveSuspicion,
    outcome: "failed" | "refuted" | "reaped",
    nowMs: number | undefined,
  ): void {
    const s = active.suspicion;
    const durationMs = nowMs === undefined ? 0 : Math.max(0, nowMs - s.startMs);
    this.host.emit({ kind: "suspicionEnded", node, outcome, confirmations: s.confirmations(), durationMs });
  }

  private rescheduleSuspicion(name: string, active: ActiveSuspicion): void {
    this.host.calendar.cancel(active.timer);
    const changeMs = active.suspicion.startMs;
    active.timer = this.host.calendar.schedule(active.suspicion.deadlineMs(), (at) =>
      this.suspicionExpired(name, changeMs, at),
    );
  }

  /** The suspicion ran out: if the node is still in that same suspect episode, declare it dead. */
  private suspicionExpired(name: string, changeMs: number, nowMs: number): void {
    const active = this.suspicions.get(name);
    this.suspicions.delete(name);
    if (active !== undefined) this.emitSuspicionEnded(name, active, "failed", nowMs);
    const state = this.nodes.get(name);
    if (state === undefined || state.state !== "suspect" || state.stateChangeMs !== changeMs) return;
    this.deadNode({ kind: "dead", incarnation: state.incarnation, node: name, from: this.host.name }, nowMs);
  }
}
