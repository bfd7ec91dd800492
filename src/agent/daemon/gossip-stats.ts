/**
 * The runtime's traffic and drop counters as flat strings for `/v1/agent/self`'s `Stats`
 * (Consul reports every stat as a string). Operators and the hostile-input tests read the
 * drops here: `dropped_packet_labelMismatch`, `dropped_packet_undecryptable`,
 * `dropped_stream_overloaded`, ...
 */
import type { RuntimeStats } from "../../swim/runtime/runtime-stats.js";

/** Flattens {@link RuntimeStats} into `name → decimal string`. */
export function gossipStats(stats: RuntimeStats): Record<string, string> {
  const out: Record<string, string> = {
    packets_received: String(stats.packets.received),
    packets_sent: String(stats.packets.sent),
    streams_accepted: String(stats.streams.accepted),
    internal_errors: String(stats.internalErrors),
  };
  for (const [channel, counters] of Object.entries(stats.dropped)) {
    for (const [reason, count] of Object.entries(counters as Record<string, number>)) {
      out[`dropped_${channel}_${reason}`] = String(count);
    }
  }
  return out;
}
