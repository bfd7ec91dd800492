/**
 * An in-process network for tests: {@link MemoryNetwork.bind} hands out a datagram and a stream
 * transport on a made-up address, and delivery goes through `setImmediate`, so sends are never
 * re-entrant (a handler never runs inside `send`), as with real sockets. Bytes are copied on
 * send, so a sender may reuse its buffer at once.
 *
 * Addresses are matched exactly (`host:port`); there is no notion of "every interface".
 * Port 0 picks the next unused port of that host, the same number for packets and streams.
 */
import type { Address } from "../core/api.js";
import { addressKey, formatAddress } from "./address.js";
import {
  ConnectionRefusedError,
  type BoundTransports,
  type PacketHandler,
  type PacketTransport,
  type StreamConnection,
  type StreamHandlers,
  type StreamTransport,
} from "./transport.js";

const FIRST_DYNAMIC_PORT = 30_000;
const FIRST_EPHEMERAL_PORT = 50_000;

/** One end of an in-memory stream. */
class MemoryConnection implements StreamConnection {
  peer: MemoryConnection | undefined;
  private handlers: StreamHandlers | undefined;
  private early: ((h: StreamHandlers) => void)[] = [];
  private finished = false;
  private writable = true;

  constructor(
    readonly remote: Address,
    private readonly onFinish: (conn: MemoryConnection) => void,
  ) {}

  setHandlers(handlers: StreamHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const event of early) event(handlers);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.writable || this.finished) return Promise.reject(new Error("stream is closed"));
    const copy = bytes.slice();
    const peer = this.peer;
    setImmediate(() => peer?.receive(copy));
    return Promise.resolve();
  }

  end(): void {
    if (!this.writable) return;
    this.writable = false;
    const peer = this.peer;
    // Queued after any earlier writes, so the peer sees all data before the end.
    setImmediate(() => peer?.finish(undefined));
  }

  destroy(): void {
    if (this.finished) return;
    this.writable = false;
    const peer = this.peer;
    setImmediate(() => peer?.finish(new Error("connection reset by peer")));
    this.finish(undefined);
  }

  finish(error: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.writable = false;
    this.onFinish(this);
    this.dispatch((h) => h.closed(error));
  }

  private receive(bytes: Uint8Array): void {
    if (this.finished) return;
    this.dispatch((h) => h.data(bytes));
  }

  private dispatch(event: (h: StreamHandlers) => void): void {
    if (this.handlers === undefined) this.early.push(event);
    else event(this.handlers);
  }
}

/** The datagram half of a memory endpoint. */
class MemoryPacketTransport implements PacketTransport {
  handler: PacketHandler = () => undefined;
  closed = false;

  constructor(
    readonly local: Address,
    private readonly network: MemoryNetwork,
  ) {}

  send(to: Address, bytes: Uint8Array): void {
    if (this.closed) return;
    this.network.deliverPacket(this.local, to, bytes.slice());
  }

  onPacket(handler: PacketHandler): void {
    this.handler = handler;
  }

  /** Memory sends cannot fail: a datagram to nobody vanishes silently, as over UDP. */
  onSendError(_handler: (to: Address, error: Error) => void): void {}

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.network.release(this.local, "packet");
    }
    return Promise.resolve();
  }
}

/** The stream half of a memory endpoint. */
class MemoryStreamTransport implements StreamTransport {
  handler: (conn: StreamConnection) => void = (conn) => conn.destroy();
  closed = false;
  private readonly open = new Set<MemoryConnection>();

  constructor(
    readonly local: Address,
    private readonly network: MemoryNetwork,
  ) {}

  onConnection(handler: (conn: StreamConnection) => void): void {
    this.handler = handler;
  }

  dial(to: Address, timeoutMs: number): Promise<StreamConnection> {
    if (this.closed) return Promise.reject(new Error("transport is closed"));
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        const listener = this.network.listenerAt(to);
        if (listener === undefined) {
          reject(new ConnectionRefusedError(`connect to ${formatAddress(to)} failed: connection refused`));
          return;
        }
        if (timeoutMs <= 0) {
          reject(new Error(`connect to ${formatAddress(to)} timed out after ${timeoutMs} ms`));
          return;
        }
        const local = this.network.ephemeral(this.local.host);
        const mine = this.connection(to);
        const theirs = listener.connection(local);
        mine.peer = theirs;
        theirs.peer = mine;
        listener.handler(theirs);
        resolve(mine);
      });
    });
  }

  /** A connection end owned (and destroyed on close) by this transport. */
  connection(remote: Address): MemoryConnection {
    const conn = new MemoryConnection(remote, (c) => this.open.delete(c));
    this.open.add(conn);
    return conn;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const conn of [...this.open]) conn.destroy();
      this.network.release(this.local, "stream");
    }
    return Promise.resolve();
  }
}

/** An in-process network of memory endpoints. */
export class MemoryNetwork {
  private readonly packets = new Map<string, MemoryPacketTransport>();
  private readonly streams = new Map<string, MemoryStreamTransport>();
  private readonly nextPort = new Map<string, number>();
  private readonly nextEphemeral = new Map<string, number>();

  /** Binds a packet and a stream transport on `bind` (a {@link TransportBinder}). */
  readonly bind = (bind: Address): Promise<BoundTransports> => {
    const port = bind.port === 0 ? this.freePort(bind.host) : bind.port;
    const local = { host: bind.host, port };
    const key = addressKey(local);
    if (this.packets.has(key) || this.streams.has(key)) {
      return Promise.reject(new Error(`address ${key} is already in use`));
    }
    const packet = new MemoryPacketTransport(local, this);
    const stream = new MemoryStreamTransport(local, this);
    this.packets.set(key, packet);
    this.streams.set(key, stream);
    return Promise.resolve({ packet, stream, local });
  };

  /** Queues one datagram; it is dropped if nobody is bound at `to` when it arrives. */
  deliverPacket(from: Address, to: Address, bytes: Uint8Array): void {
    setImmediate(() => {
      const target = this.packets.get(addressKey(to));
      if (target === undefined || target.closed) return;
      target.handler(from, bytes);
    });
  }

  /** The stream listener bound at `to`, if any. */
  listenerAt(to: Address): MemoryStreamTransport | undefined {
    const listener = this.streams.get(addressKey(to));
    return listener?.closed === false ? listener : undefined;
  }

  /** A fresh source port on `host` for an outgoing connection. */
  ephemeral(host: string): Address {
    const port = this.nextEphemeral.get(host) ?? FIRST_EPHEMERAL_PORT;
    this.nextEphemeral.set(host, port + 1);
    return { host, port };
  }

  /** Forgets one half of an endpoint. */
  release(local: Address, half: "packet" | "stream"): void {
    const key = addressKey(local);
    if (half === "packet") this.packets.delete(key);
    else this.streams.delete(key);
  }

  private freePort(host: string): number {
    let port = this.nextPort.get(host) ?? FIRST_DYNAMIC_PORT;
    while (this.packets.has(addressKey({ host, port })) || this.streams.has(addressKey({ host, port })))
      port++;
    this.nextPort.set(host, port + 1);
    return port;
  }
}
