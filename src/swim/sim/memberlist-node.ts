/**
 * A `SwimNode` made of the real memberlist layer (`Memberlist`: probes, Lifeguard, gossip,
 * push/pull, real codec bytes) under a minimal delegate that carries Serf user events the way
 * Serf does: encoded with the real Serf codec as `messageUserEvent`, queued in the real
 * transmit-limited queue, piggybacked by memberlist, de-duplicated by (LTime, name) and
 * re-broadcast on first receipt, with a Lamport event clock.
 *
 * It has no Serf membership intents, queries, tags, reconnect or snapshot. Simulations run
 * the full facade (`createSwimNode`, see {@link ../real-node.ts}); this stand-in remains only
 * for runtime tests that still build their nodes with it (test/support/runtime-cluster.ts),
 * and can go once they switch.
 */
import type { Address, Directive, MemberView, SwimNode } from "../core/api.js";
import { TransmitLimitedQueue } from "../core/broadcast-queue.js";
import type { MemberlistDelegate, NodeView } from "../core/delegate.js";
import { Memberlist } from "../core/memberlist.js";
import { decodeSerfMessage, encodeSerfMessage } from "../codec/serf-messages.js";
import type { NodeFactory } from "./simulator.js";

/** Empty Serf tags (`0xFF` + empty msgpack map), so the meta looks like Serf's. */
const EMPTY_TAGS = Uint8Array.of(0xff, 0x80);

function memberView(node: NodeView): MemberView {
  return {
    name: node.name,
    address: node.address,
    tags: {},
    status:
      node.state === "alive" || node.state === "suspect"
        ? "alive"
        : node.state === "left"
          ? "left"
          : "failed",
    memberlistState: node.state,
    incarnation: node.incarnation,
    vsn: node.vsn,
  };
}

/** Builds a memberlist-layer node with Serf-style user events (see the module comment). */
export const memberlistNodeFactory: NodeFactory = (args) => {
  // `ml` is assigned right below; the delegate's callbacks only run after that.
  // eslint-disable-next-line prefer-const
  let ml: Memberlist;
  const events = new TransmitLimitedQueue(args.memberlist.retransmitMult, () => ml.numMembers());
  const seen = new Set<string>();
  let eventClock = 1;

  const accept = (lTime: number, name: string, payload: Uint8Array, cc: boolean, raw: Uint8Array): void => {
    const key = `${lTime}\u0000${name}\u0000${payload.length}`;
    if (seen.has(key)) return;
    seen.add(key);
    // Lamport witness: the next local event is stamped after everything seen.
    if (lTime >= eventClock) eventClock = lTime + 1;
    events.queue(raw);
    ml.emit({ kind: "userEventReceived", name, payload, lTime, coalesce: cc });
  };

  const delegate: MemberlistDelegate = {
    nodeMeta: () => EMPTY_TAGS,
    notifyMsg: (payload) => {
      const msg = decodeSerfMessage(payload);
      if (msg.kind === "userEvent") accept(msg.lTime, msg.name, msg.payload, msg.cc, payload);
    },
    hasBroadcasts: () => events.size() > 0,
    getBroadcasts: (overhead, limit) => events.getBroadcasts(overhead, limit),
    localState: () => new Uint8Array(0),
    mergeRemoteState: () => undefined,
    notifyJoin: (node) => ml.emit({ kind: "memberJoined", member: memberView(node) }),
    notifyLeave: (node) =>
      ml.emit(
        node.state === "left"
          ? { kind: "memberLeft", member: memberView(node) }
          : { kind: "memberFailed", member: memberView(node) },
      ),
    notifyUpdate: (node) => ml.emit({ kind: "memberUpdated", member: memberView(node) }),
    ackPayload: () => new Uint8Array(0),
    notifyPingComplete: () => undefined,
    memberView,
  };
  ml = new Memberlist({
    name: args.name,
    address: args.advertise,
    config: args.memberlist,
    rng: args.rng,
    delegate,
  });
  ml.start(args.nowMs);
  // Start-up events (notifyJoin about ourselves) are dropped: no shell is listening yet.
  ml.drain();
  const out = (): readonly Directive[] => ml.drain();

  const node: SwimNode = {
    name: args.name,
    nextDeadline: () => ml.nextDeadline(),
    onTimer: (nowMs) => (ml.onTimer(nowMs), out()),
    onPacket: (from: Address, bytes, nowMs) => (ml.onPacket(from, bytes, nowMs), out()),
    onStream: (id, from, bytes, nowMs) => (ml.onStream(id, from, bytes, nowMs), out()),
    onStreamReply: (id, bytes, nowMs) => (ml.onStreamReply(id, bytes, nowMs), out()),
    onStreamFailed: (id, failure, nowMs) => (ml.onStreamFailed(id, failure, nowMs), out()),
    onLocalDelay: (delayMs, nowMs) => (ml.onLocalDelay(delayMs, nowMs), out()),
    deferInbound: () => ml.deferInbound(),
    inboundPending: () => ml.inboundPending(),
    onInbound: (nowMs, max) => (ml.handleInbound(nowMs, max), out()),
    join: (seeds, nowMs) => (ml.join(seeds, nowMs), out()),
    leave: (nowMs) => (ml.leave(nowMs), out()),
    setTags: () => out(),
    userEvent: (name, payload, coalesce) => {
      const lTime = eventClock++;
      const raw = encodeSerfMessage({ kind: "userEvent", lTime, name, payload, cc: coalesce });
      accept(lTime, name, payload, coalesce, raw);
      return out();
    },
    query: () => ({ id: 0, directives: out() }),
    respond: () => out(),
    forceLeave: () => out(),
    members: () => ml.members().map(memberView),
    healthScore: () => ml.healthScore(),
    clocks: () => ({ member: 1, event: eventClock, query: 1 }),
  };
  return node;
};
