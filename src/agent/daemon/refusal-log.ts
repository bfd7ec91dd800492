/**
 * Logs gossip the core refused by a limit (its `inputRefused` events: oversized tags, a bad
 * node name or address, an oversized user event, query or response) once per peer. The runtime
 * already counts every refusal (`dropped_*_<limit>` in `/v1/agent/self`, and
 * `shoal_gossip_dropped_total{reason}`); the log names the sender, so a buggy or hostile peer
 * shows up without one line per packet.
 */
import type { SwimEvent } from "../../swim/core/api.js";
import { formatAddress } from "../../swim/runtime/address.js";
import { OncePerPeer } from "./once-per-peer.js";

/** The event this module reports. */
export type InputRefusedEvent = Extract<SwimEvent, { kind: "inputRefused" }>;

/** Longest member name quoted in a line; a refused name may be arbitrarily long. */
const MAX_NAME_SHOWN = 64;

/** Writes one warning; `fields` are for structured logs. */
export type RefusalWriter = (fields: Readonly<Record<string, string>>, message: string) => void;

/**
 * Who a refusal is attributed to: the sending `host:port` when the core knew it (a packet or
 * inbound stream), else the member the gossip was about (the answer to our own push/pull).
 */
export function refusalPeer(event: InputRefusedEvent): string {
  if (event.from !== undefined) return formatAddress(event.from);
  return event.node === undefined ? "an unknown peer" : `member ${shortName(event.node)}`;
}

function shortName(name: string): string {
  return name.length <= MAX_NAME_SHOWN
    ? JSON.stringify(name)
    : `${JSON.stringify(name.slice(0, MAX_NAME_SHOWN))}…`;
}

/** The least time between two warnings about this agent's own gossip overload. */
export const OVERLOAD_LOG_INTERVAL_MS = 60_000;

/**
 * Returns a reporter that writes the first refusal of each peer and ignores the rest. A full
 * handler queue is this agent's own overload, not the sender's fault: it is reported on its
 * own, at most once per {@link OVERLOAD_LOG_INTERVAL_MS}.
 */
export function refusalLogger(
  write: RefusalWriter,
  nowMs: () => number = Date.now,
): (event: InputRefusedEvent) => void {
  const once = new OncePerPeer();
  let overloadLoggedAt = -Infinity;
  return (event) => {
    if (event.limit === "handoffQueueFull") {
      const now = nowMs();
      if (now - overloadLoggedAt < OVERLOAD_LOG_INTERVAL_MS) return;
      overloadLoggedAt = now;
      write(
        { limit: event.limit },
        "gossip arrives faster than this agent can handle it: the handler queue is full and " +
          'messages are being dropped (counted in shoal_gossip_dropped_total{reason="handoffQueueFull"}); ' +
          "reported at most once a minute",
      );
      return;
    }
    const peer = refusalPeer(event);
    if (!once.first(peer)) return;
    const about =
      event.node === undefined || event.from === undefined ? "" : ` about ${shortName(event.node)}`;
    write(
      { peer, limit: event.limit },
      `refusing gossip from ${peer}${about}: ${event.reason} (${event.limit}); reported once per peer`,
    );
  };
}
