/**
 * The transport seam of the runtime (../shared/DESIGN.md section 4): datagrams for probes and
 * gossip, short-lived streams for push/pull, TCP pings and reliable user messages.
 *
 * Implementations: real sockets (`udp-transport.ts`, `tcp-transport.ts`, bound together by
 * `net-transports.ts`), an in-process network for tests (`memory-transport.ts`) and a fault
 * injecting decorator over either (`fault-injection.ts`). The runtime sees only these
 * interfaces, so every implementation passes the same compliance suite.
 *
 * Bytes here are whatever the runtime hands over: already sealed (label, encryption). A
 * transport never parses them.
 */
import type { Address } from "../core/api.js";

/** Receives one datagram; `from` is the sender's socket address. */
export type PacketHandler = (from: Address, bytes: Uint8Array) => void;

/** Unreliable, unordered, message-preserving delivery (UDP). */
export interface PacketTransport {
  /** The address this transport is bound to (the real port when bound with port 0). */
  readonly local: Address;
  /**
   * Sends one datagram. Never throws for network trouble: datagrams may be lost, and a send
   * failure is reported to {@link onSendError} handlers (for counting), not to the caller.
   */
  send(to: Address, bytes: Uint8Array): void;
  /** Sets the single handler for inbound datagrams (replaces any earlier one). */
  onPacket(handler: PacketHandler): void;
  /** Sets the single handler told about datagrams that could not be sent. */
  onSendError(handler: (to: Address, error: Error) => void): void;
  /** Stops delivery and releases the socket; idempotent. */
  close(): Promise<void>;
}

/** Callbacks of one {@link StreamConnection}. Set once, before any data can be lost. */
export interface StreamHandlers {
  /** A chunk arrived. The buffer may be reused afterwards: copy what you keep. */
  data(chunk: Uint8Array): void;
  /** The connection ended or failed; called exactly once. `error` is absent for a clean end. */
  closed(error: Error | undefined): void;
}

/** One bidirectional byte stream (a TCP connection). */
export interface StreamConnection {
  /** The peer's socket address (for inbound streams, its ephemeral port). */
  readonly remote: Address;
  /** Starts delivering events to `handlers`; data arriving before this is buffered. */
  setHandlers(handlers: StreamHandlers): void;
  /** Queues bytes; resolves once they are handed to the OS, rejects if the stream broke. */
  write(bytes: Uint8Array): Promise<void>;
  /** Half-closes after queued writes (FIN); the peer sees end of stream. */
  end(): void;
  /** Closes immediately, dropping anything unsent; idempotent. */
  destroy(): void;
}

/**
 * A dial the peer's host actively refused (TCP RST, `ECONNREFUSED`): nothing listens on that
 * port. The protocol treats this as evidence that the member's agent is gone.
 */
export class ConnectionRefusedError extends Error {
  override readonly name = "ConnectionRefusedError";
}

/** Reliable, ordered byte streams (TCP), one message per direction in memberlist's use. */
export interface StreamTransport {
  /** The address this transport listens on. */
  readonly local: Address;
  /** Sets the single handler for accepted inbound connections (replaces any earlier one). */
  onConnection(handler: (conn: StreamConnection) => void): void;
  /**
   * Connects to `to`. Rejects with an Error whose message says why (timed out after
   * `timeoutMs`, closed transport), a {@link ConnectionRefusedError} when the peer's host
   * refused the connection; never throws synchronously.
   */
  dial(to: Address, timeoutMs: number): Promise<StreamConnection>;
  /** Stops accepting, destroys open connections and releases the listener; idempotent. */
  close(): Promise<void>;
}

/** A datagram and a stream transport on the same address, as memberlist uses one port for both. */
export interface BoundTransports {
  readonly packet: PacketTransport;
  readonly stream: StreamTransport;
  /** The shared bound address (port resolved when port 0 was asked for). */
  readonly local: Address;
}

/** Binds a {@link BoundTransports} pair on an address; `port: 0` picks one free for both. */
export type TransportBinder = (bind: Address) => Promise<BoundTransports>;
