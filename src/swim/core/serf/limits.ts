/**
 * The limits the Serf layer enforces on what it receives. Real Serf checks members in its
 * merge delegate (`merge_delegate.go` validateMemberInfo: name rules, a 4- or 16-byte IP,
 * meta ≤ memberlist's MetaMaxSize) and checks user event, query and response sizes only when
 * it creates them. Shoal also refuses oversized events, queries and responses on receipt,
 * with the same configured limits its own API enforces, so a peer that ignores them cannot
 * make this node store, deliver or re-gossip more than it would itself send.
 *
 * Every check returns a {@link Refusal} (which limit, why) instead of throwing: the caller
 * drops the input and reports it as an `inputRefused` event, which the shell counts.
 */
import type { Address, InputLimit } from "../api.js";
import { META_MAX_SIZE } from "../config.js";
import type { NodeView } from "../delegate.js";
import { SerfMessageType } from "../../codec/types.js";
import { utf8Length } from "../../codec/utf8.js";
import type { SerfConfig } from "./config.js";
import { nodeNameProblem } from "./node-name.js";

/** Which limit refused an input, and a message naming it. */
export interface Refusal {
  readonly limit: InputLimit;
  readonly reason: string;
}

/**
 * Serf's validateMemberInfo for one node of an alive message or a push/pull. The address is
 * already text here: memberlist's layer hands over an empty host when the raw `Addr` bytes
 * were neither 4 nor 16 long.
 */
export function memberRefusal(node: NodeView): Refusal | undefined {
  const nameProblem = nodeNameProblem(node.name);
  if (nameProblem !== undefined) return { limit: "invalidNodeName", reason: nameProblem };
  if (node.address.host === "") {
    return {
      limit: "invalidAddress",
      reason: `member ${node.name}: address is not a 4- or 16-byte IP`,
    };
  }
  if (node.meta.length > META_MAX_SIZE) {
    return {
      limit: "tagsTooLarge",
      reason: `member ${node.name}: encoded tags are ${node.meta.length} bytes, over the limit of ${META_MAX_SIZE}`,
    };
  }
  return undefined;
}

/**
 * The size limit on one received Serf message (`[type][msgpack]`, the bytes Serf measures when
 * it creates one), or undefined when its type has none or it fits.
 */
export function messageSizeRefusal(config: SerfConfig, message: Uint8Array): Refusal | undefined {
  const size = message.length;
  switch (message[0]) {
    case SerfMessageType.userEvent:
      return size > config.userEventSizeLimit
        ? tooLarge("userEventTooLarge", "user event", size, config.userEventSizeLimit)
        : undefined;
    case SerfMessageType.query:
      return size > config.querySizeLimit
        ? tooLarge("queryTooLarge", "query", size, config.querySizeLimit)
        : undefined;
    case SerfMessageType.queryResponse:
      return size > config.queryResponseSizeLimit
        ? tooLarge("queryResponseTooLarge", "query response", size, config.queryResponseSizeLimit)
        : undefined;
    default:
      return undefined;
  }
}

/**
 * A user event from a push/pull's event history: name and payload together (Serf's check
 * before encoding; the history carries no encoded message to measure).
 */
export function historyEventRefusal(
  config: SerfConfig,
  name: string,
  payload: Uint8Array,
): Refusal | undefined {
  const size = utf8Length(name) + payload.length;
  return size > config.userEventSizeLimit
    ? tooLarge("userEventTooLarge", "user event (name and payload)", size, config.userEventSizeLimit)
    : undefined;
}

function tooLarge(limit: InputLimit, what: string, size: number, max: number): Refusal {
  return { limit, reason: `${what} is ${size} bytes, over the limit of ${max}` };
}

/** Where refusals go (the Serf layer, which reports them as `inputRefused` events). */
export interface RefusalSink {
  /** This node's name: alive and merge news about ourselves is memberlist's to refute. */
  readonly name: string;
  refuse(refusal: Refusal, about?: { readonly node?: string; readonly from?: Address }): void;
}

/**
 * Serf's NotifyAlive: refuse an alive about a peer that breaks a member limit, so it neither
 * creates nor updates the member (and is not re-gossiped). Returns the reason, as memberlist's
 * AliveDelegate does.
 */
export function vetoAlive(sink: RefusalSink, peer: NodeView): string | undefined {
  if (peer.name === sink.name) return undefined;
  const refusal = memberRefusal(peer);
  if (refusal === undefined) return undefined;
  sink.refuse(refusal, { node: peer.name });
  return refusal.reason;
}

/**
 * Serf's NotifyMerge: one bad member refuses the whole join push/pull (memberlist then merges
 * nothing and the join through that peer fails), reported once for the merge.
 */
export function vetoMerge(sink: RefusalSink, peers: readonly NodeView[]): string | undefined {
  for (const peer of peers) {
    if (peer.name === sink.name) continue;
    const refusal = memberRefusal(peer);
    if (refusal === undefined) continue;
    const reason = `push/pull refused: ${refusal.reason}`;
    sink.refuse({ limit: refusal.limit, reason }, { node: peer.name });
    return reason;
  }
  return undefined;
}
