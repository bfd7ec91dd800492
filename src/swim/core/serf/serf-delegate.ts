/**
 * Serf's memberlist delegate (`serf/delegate.go`, `event_delegate.go`, `ping_delegate.go`):
 * node meta is the encoded tags; user messages are dispatched on the Serf message type and
 * news re-queued on the queue Serf uses for it; broadcasts come from Serf's queues (see
 * `broadcasts.ts`); push/pull carries Serf's `messagePushPull` (plus the extension's state
 * under one extra key, see `extension.ts`); memberlist's join/leave/update notifications
 * become Serf member events.
 */
import { addressKey } from "../address.js";
import type { MemberView } from "../api.js";
import type { MemberlistDelegate, NodeView } from "../delegate.js";
import { decodeSerfMessage, encodeSerfMessage } from "../../codec/serf-messages.js";
import { decodeTags } from "../../codec/tags.js";
import type { SerfMessage, SerfPushPull } from "../../codec/types.js";
import { SerfMessageType } from "../../codec/types.js";
import { historyEventRefusal, messageSizeRefusal, vetoAlive, vetoMerge } from "./limits.js";
import type { Serf } from "./serf.js";

/** Highest Serf message type Serf itself defines; bytes above it are not Serf's. */
const LAST_SERF_TYPE = SerfMessageType.relay;

/**
 * Ack payload: empty, as a Serf with `DisableCoordinates` sends. Shoal runs no Vivaldi, and a
 * fixed coordinate would feed real Serf peers' estimates with a point that never moves; Serf's
 * ping delegate ignores an empty payload (`ping_delegate.go` NotifyPingComplete), and it keeps
 * every ack small.
 */
const ACK_PAYLOAD = new Uint8Array(0);

/** Builds the delegate memberlist calls for this Serf layer. */
export function createSerfDelegate(serf: Serf): MemberlistDelegate {
  return {
    nodeMeta: () => serf.meta(),
    notifyMsg: (payload, from, nowMs) => {
      serf.touch(nowMs);
      const tooLarge = messageSizeRefusal(serf.config, payload);
      if (tooLarge !== undefined) {
        serf.refuse(tooLarge, { from });
        return;
      }
      const problem = dispatch(serf, payload, addressKey(from), nowMs);
      if (problem !== undefined) serf.emit({ kind: "decodeFailed", from, reason: problem });
    },
    hasBroadcasts: () => serf.broadcasts.any(),
    reserveBytes: (overhead, cap) => serf.broadcasts.reserve(overhead, cap),
    getBroadcasts: (overhead, limit, peer) => serf.broadcasts.take(overhead, limit, peer),
    localState: () => localState(serf),
    mergeRemoteState: (state, join, nowMs) => {
      serf.touch(nowMs);
      mergeRemoteState(serf, state, join, nowMs);
    },
    notifyJoin: (node, nowMs) => {
      serf.touch(nowMs);
      serf.nodeJoined(node);
    },
    notifyLeave: (node, nowMs) => {
      serf.touch(nowMs);
      serf.nodeLeft(node, nowMs);
    },
    notifyUpdate: (node, nowMs) => {
      serf.touch(nowMs);
      serf.nodeUpdated(node);
    },
    notifyAlive: (peer) => vetoAlive(serf, peer),
    notifyMerge: (peers) => vetoMerge(serf, peers),
    ackPayload: () => ACK_PAYLOAD,
    notifyPingComplete: () => undefined,
    memberView: (node) => memberView(serf, node),
  };
}

/**
 * Handle one Serf message; returns a reason when it was malformed. News is re-broadcast, with
 * `heardFrom` (the sender's address key) counted as already reached.
 */
function dispatch(serf: Serf, payload: Uint8Array, heardFrom: string, nowMs: number): string | undefined {
  const type = payload[0];
  if (type === undefined) return undefined;
  const extension = serf.extension;
  if (extension !== undefined && type === extension.messageType) {
    extension.onMessage(payload.subarray(1), nowMs);
    return undefined;
  }
  // Another layer's type (a newer Shoal, another extension): dropped, as Serf drops unknown types.
  if (type > LAST_SERF_TYPE) return undefined;
  let msg: SerfMessage;
  try {
    msg = decodeSerfMessage(payload);
  } catch (err) {
    return `serf message type ${type}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const queues = serf.broadcasts;
  const rebroadcast = { heardFrom };
  // Leave intents, user events and queries are relayed once the packet has been handled
  // (`relaySoon`), not at the next tick: someone is waiting for them. Join intents wait for the
  // tick: a join storm brings one per member.
  switch (msg.kind) {
    case "leave":
      if (serf.handleLeaveIntent(msg, nowMs)) {
        queues.intents.queue(payload.slice(), rebroadcast);
        serf.relaySoon();
      }
      break;
    case "join":
      if (serf.handleJoinIntent(msg, nowMs)) queues.intents.queue(payload.slice(), rebroadcast);
      break;
    case "userEvent":
      if (serf.handleUserEvent(msg.lTime, msg.name, msg.payload, msg.cc)) {
        queues.events.queue(payload.slice(), rebroadcast);
        serf.relaySoon();
      }
      break;
    case "query":
      if (serf.queries.handleQuery(msg, nowMs)) {
        queues.queries.queue(payload.slice(), rebroadcast);
        serf.relaySoon();
      }
      break;
    case "queryResponse":
      serf.queries.handleResponse(msg);
      break;
    case "relay":
      serf.queries.handleRelay(msg, nowMs);
      break;
    case "pushPull":
      break; // only ever the user state of a push/pull stream
  }
  return undefined;
}

/** Serf's LocalState: clocks, every member's status time, tombstones, the event ring. */
function localState(serf: Serf): Uint8Array {
  const statusLTimes = new Map<string, number>();
  for (const m of serf.members.all()) statusLTimes.set(m.name, m.statusLTime);
  const extension = serf.extension?.localState();
  const pp: SerfPushPull = {
    kind: "pushPull",
    lTime: serf.clock.time(),
    statusLTimes,
    leftMembers: serf.members.left().map((m) => m.name),
    eventLTime: serf.events.clock.time(),
    events: serf.events.snapshot(),
    queryLTime: serf.queries.buffer.clock.time(),
    ...(extension === undefined || extension.length === 0 ? {} : { extension }),
  };
  return encodeSerfMessage(pp);
}

/** Serf's MergeRemoteState, then the extension's part. */
function mergeRemoteState(serf: Serf, state: Uint8Array, join: boolean, nowMs: number): void {
  if (state[0] !== SerfMessageType.pushPull) return;
  let pp: SerfMessage;
  try {
    pp = decodeSerfMessage(state);
  } catch {
    return; // Serf logs "Failed to decode remote state" and merges nothing
  }
  if (pp.kind !== "pushPull") return;
  // Nothing was sent at the peer's current times yet, hence the -1.
  if (pp.lTime > 0) serf.clock.witness(pp.lTime - 1);
  if (pp.eventLTime > 0) serf.events.clock.witness(pp.eventLTime - 1);
  if (pp.queryLTime > 0) serf.queries.buffer.clock.witness(pp.queryLTime - 1);

  // Leaves first, one past the member's status time (the leave was accepted after it), so
  // the synthesized joins below cannot overtake them.
  const left = new Set(pp.leftMembers);
  for (const node of pp.leftMembers) {
    serf.handleLeaveIntent(
      { kind: "leave", lTime: (pp.statusLTimes.get(node) ?? 0) + 1, node, prune: false },
      nowMs,
    );
  }
  for (const [node, lTime] of pp.statusLTimes) {
    if (!left.has(node)) serf.handleJoinIntent({ kind: "join", lTime, node }, nowMs);
  }

  if (serf.ignoringOldEvents(join)) serf.events.raiseMinimumTime(pp.eventLTime);
  for (const slot of pp.events) {
    if (slot === null) continue;
    for (const e of slot.events) {
      const tooLarge = historyEventRefusal(serf.config, e.name, e.payload);
      if (tooLarge !== undefined) serf.refuse(tooLarge);
      else serf.handleUserEvent(slot.lTime, e.name, e.payload, false);
    }
  }

  if (pp.extension !== undefined && serf.extension !== undefined) {
    serf.extension.mergeRemoteState(pp.extension, join, nowMs);
  }
}

/** A memberlist-level event's member (e.g. `memberSuspected`) with Serf's tags and status. */
function memberView(serf: Serf, node: NodeView): MemberView {
  const m = serf.members.get(node.name);
  let tags = m?.tags;
  if (tags === undefined) {
    try {
      tags = decodeTags(node.meta);
    } catch {
      tags = {};
    }
  }
  return {
    name: node.name,
    address: node.address,
    tags,
    status: m?.status ?? "alive",
    memberlistState: node.state,
    incarnation: node.incarnation,
    vsn: node.vsn,
  };
}
