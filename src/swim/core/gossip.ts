/**
 * Dissemination (memberlist `broadcast.go` getBroadcasts and `state.go` gossip; PROTOCOL.md
 * section 2.6): filling packet space with queued broadcasts, and the dedicated gossip round.
 *
 * Fairness (memberlist#299): memberlist fills a packet from its own queue first and gives the
 * delegate (Serf) what is left, so in a large cluster with node churn the membership queue
 * alone can fill every packet and user events, queries and catalog updates starve. Shoal keeps
 * up to `userBroadcastReserveBytes` of each budget for the delegate while it has something
 * queued (as much as the delegate says its next messages need, when it can tell), then gives
 * any unused reserve back to the membership queue. With the reserve at 0 the behaviour is
 * exactly memberlist's.
 */

import type { Rng } from "./api.js";
import type { PacketPeer, TransmitLimitedQueue } from "./broadcast-queue.js";
import type { MemberlistDelegate } from "./delegate.js";
import type { NodeRecord } from "./node-list.js";
import { pickRandom } from "./rng.js";

/** memberlist's `compoundHeaderOverhead`: type byte + part count. */
export const COMPOUND_HEADER_OVERHEAD = 2;
/** memberlist's `compoundOverhead`: the u16 length of each part. */
export const COMPOUND_PART_OVERHEAD = 2;
/** memberlist's `userMsgOverhead`: the user-message type byte in front of delegate bytes. */
export const USER_MSG_OVERHEAD = 1;
/** The memberlist user-message type byte. */
const USER_MSG_TYPE = 8;

/**
 * Take broadcasts for one packet: membership messages (already `[type][msgpack]`) and delegate
 * messages framed as `[8][bytes]`. Every returned message costs `overhead + length` of `limit`.
 *
 * @param reserve Bytes kept for the delegate while it has broadcasts queued.
 * @param peer The packet's recipient: messages already sent to it are passed over.
 */
export function takeBroadcasts(
  queue: TransmitLimitedQueue,
  delegate: MemberlistDelegate,
  overhead: number,
  limit: number,
  reserve: number,
  peer?: PacketPeer,
): Uint8Array[] {
  const cap = Math.min(Math.max(reserve, 0), Math.max(limit, 0));
  let held: number;
  if (cap === 0) held = 0;
  else if (delegate.reserveBytes !== undefined) {
    held = Math.min(Math.max(delegate.reserveBytes(overhead + USER_MSG_OVERHEAD, cap), 0), cap);
  } else held = (delegate.hasBroadcasts?.() ?? true) ? cap : 0;
  const out = queue.getBroadcasts(overhead, limit - held, undefined, Infinity, peer);
  let used = 0;
  for (const m of out) used += overhead + m.length;

  const avail = limit - used;
  if (avail > overhead + USER_MSG_OVERHEAD) {
    for (const msg of delegate.getBroadcasts(overhead + USER_MSG_OVERHEAD, avail, peer)) {
      const framed = new Uint8Array(msg.length + 1);
      framed[0] = USER_MSG_TYPE;
      framed.set(msg, 1);
      out.push(framed);
      used += overhead + framed.length;
    }
  }

  if (held > 0 && limit - used > overhead) {
    // Give the unused part of the reserve back to membership messages. Messages already taken
    // above sit one transmit tier higher now; skip them so one packet never repeats one.
    const taken = new Set<Uint8Array>(out);
    for (const m of queue.getBroadcasts(overhead, limit - used, taken, Infinity, peer)) out.push(m);
  }
  return out;
}

/**
 * Gossip targets for one round: up to `fanout` random peers that are alive, suspect, or dead
 * for at most `gossipToTheDeadMs` (so they hear they were declared dead and can refute); never
 * self, never left nodes. O(fanout) expected draws.
 */
export function gossipTargets(
  nodes: readonly NodeRecord[],
  selfName: string,
  fanout: number,
  gossipToTheDeadMs: number,
  nowMs: number,
  rng: Rng,
): NodeRecord[] {
  return pickRandom(nodes, fanout, rng, (n) => {
    if (n.name === selfName) return true;
    switch (n.state) {
      case "alive":
      case "suspect":
        return false;
      case "dead":
        return nowMs - n.stateChangeMs > gossipToTheDeadMs;
      case "left":
        return true;
    }
  });
}
