/**
 * Reports cluster-label mismatches once per peer. The runtime already drops and counts
 * traffic with a foreign label (`dropped.*.labelMismatch`); this transport decorator only
 * looks at the label header of what arrives and tells the operator *who* sends it, once per
 * peer (UDP: the peer's `host:port`; TCP: its host, since the source port is ephemeral), so two
 * clusters that share a network show up in the log without flooding it.
 *
 * A decorator over the transports, rather than a hook in the runtime, keeps the runtime's hot
 * path free of logging and strings.
 */
import type { Address } from "../../swim/core/api.js";
import { MessageType } from "../../swim/codec/types.js";
import { utf8Decode } from "../../swim/codec/utf8.js";
import { formatAddress } from "../../swim/runtime/address.js";
import type { BoundTransports, StreamConnection, TransportBinder } from "../../swim/runtime/transport.js";
import { OncePerPeer } from "./once-per-peer.js";

/** Called once per peer whose traffic carries another label (or none). */
export type LabelMismatchReporter = (peer: string, label: string, expected: string) => void;

/** The label on `bytes` ("" if none), or undefined when the header is broken (not ours to report). */
function labelOf(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes[0] !== MessageType.hasLabel) return "";
  const size = bytes[1];
  if (size === undefined || size === 0 || bytes.length < 2 + size) return undefined;
  try {
    return utf8Decode(bytes, 2, 2 + size);
  } catch {
    return undefined; // invalid UTF-8: the runtime drops it as malformed
  }
}

/** Checks labels and reports each mismatching peer once. */
class LabelCheck {
  private readonly once = new OncePerPeer();

  constructor(
    private readonly expected: string,
    private readonly report: LabelMismatchReporter,
  ) {}

  check(peer: string, bytes: Uint8Array): void {
    const label = labelOf(bytes);
    if (label === undefined || label === this.expected || !this.once.first(peer)) return;
    this.report(peer, label, this.expected);
  }
}

function watchConnection(conn: StreamConnection, once: LabelCheck): StreamConnection {
  return {
    remote: conn.remote,
    setHandlers: (handlers) => {
      let first = true;
      conn.setHandlers({
        data: (chunk) => {
          // The label header is at most 257 bytes; the first chunk nearly always holds it.
          if (first) once.check(conn.remote.host, chunk);
          first = false;
          handlers.data(chunk);
        },
        closed: (error) => handlers.closed(error),
      });
    },
    write: (bytes) => conn.write(bytes),
    end: () => conn.end(),
    destroy: () => conn.destroy(),
  };
}

/**
 * Wraps `inner` so that inbound packets and streams are checked against `expected` ("" for no
 * label) and mismatches reported through `report`, once per peer.
 */
export function labelWatchingBinder(
  inner: TransportBinder,
  expected: string,
  report: LabelMismatchReporter,
): TransportBinder {
  const once = new LabelCheck(expected, report);
  return async (bind: Address): Promise<BoundTransports> => {
    const bound = await inner(bind);
    const packet = bound.packet;
    const stream = bound.stream;
    return {
      local: bound.local,
      packet: {
        local: packet.local,
        send: (to, bytes) => packet.send(to, bytes),
        onPacket: (handler) =>
          packet.onPacket((from, bytes) => {
            once.check(formatAddress(from), bytes);
            handler(from, bytes);
          }),
        onSendError: (handler) => packet.onSendError(handler),
        close: () => packet.close(),
      },
      stream: {
        local: stream.local,
        onConnection: (handler) => stream.onConnection((conn) => handler(watchConnection(conn, once))),
        dial: (to, timeoutMs) => stream.dial(to, timeoutMs),
        close: () => stream.close(),
      },
    };
  };
}
