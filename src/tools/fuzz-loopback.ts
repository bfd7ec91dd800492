/**
 * A transport decorator that confines a fuzzed agent to an allow-list of loopback addresses.
 * Mutated gossip invents members at arbitrary addresses, and the agent would probe and
 * push/pull with them; the fuzzer must never send anything off this machine (nor at other
 * agents that happen to run on loopback), so every other destination is refused and counted.
 */
import type { Address } from "../swim/core/api.js";
import type { BoundTransports, TransportBinder } from "../swim/runtime/transport.js";

/** Sends and dials refused by {@link confinedBinder}. */
export interface ConfinedCounters {
  packetsRefused: number;
  dialsRefused: number;
}

/** `true` for the peers the fuzzed agent may talk to. */
export type AllowPeer = (to: Address) => boolean;

/** Wraps `inner` so that only destinations `allow` accepts are reached. */
export function confinedBinder(
  inner: TransportBinder,
  allow: AllowPeer,
  counters: ConfinedCounters,
): TransportBinder {
  return async (bind: Address): Promise<BoundTransports> => {
    const bound = await inner(bind);
    const { packet, stream } = bound;
    return {
      local: bound.local,
      packet: {
        local: packet.local,
        send: (to, bytes) => {
          if (allow(to)) packet.send(to, bytes);
          else counters.packetsRefused++;
        },
        onPacket: (handler) => packet.onPacket(handler),
        onSendError: (handler) => packet.onSendError(handler),
        close: () => packet.close(),
      },
      stream: {
        local: stream.local,
        onConnection: (handler) => stream.onConnection(handler),
        dial: (to, timeoutMs) => {
          if (allow(to)) return stream.dial(to, timeoutMs);
          counters.dialsRefused++;
          return Promise.reject(new Error("fuzz: dial outside the allow-list refused"));
        },
        close: () => stream.close(),
      },
    };
  };
}
