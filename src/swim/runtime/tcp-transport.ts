/**
 * {@link StreamTransport} over `node:net`: a listener for inbound streams and dialing out.
 * memberlist uses TCP for push/pull, TCP fallback pings and reliable user messages; each
 * connection carries one message per direction and then closes.
 *
 * Like the UDP transport, nothing here throws out of a socket callback: every socket gets an
 * `error` listener, and the failure is reported once through {@link StreamHandlers.closed}.
 */
import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { ErrorCode, ShoalError } from "../../errors.js";
import type { Address } from "../core/api.js";
import { formatAddress, normalizeHost } from "./address.js";
import {
  ConnectionRefusedError,
  type StreamConnection,
  type StreamHandlers,
  type StreamTransport,
} from "./transport.js";

/**
 * Pending-connection queue of the listener. Node's default is 511; Go (memberlist) listens with
 * the kernel's `somaxconn` (4096 on current Linux), and the kernel caps this value at it too.
 * When a whole cluster joins through one seed at once, the queue fills while the seed's event
 * loop takes one connection per turn (libuv), and a full queue makes the kernel drop SYNs that
 * the joiners resend only after 1 s, then 3 s, then 7 s.
 */
const LISTEN_BACKLOG = 4096;

/** Wraps one `net.Socket` as a {@link StreamConnection}. */
class NetStreamConnection implements StreamConnection {
  readonly remote: Address;
  private handlers: StreamHandlers | undefined;
  /** Events that arrived before {@link setHandlers}; replayed in order. */
  private early: ((h: StreamHandlers) => void)[] = [];
  private finished = false;

  constructor(
    private readonly socket: Socket,
    remote: Address,
  ) {
    this.remote = remote;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.dispatch((h) => h.data(bytes));
    });
    // `end` (peer FIN) is reported as closed: memberlist peers never half-close before their
    // message is complete, so end of input means there is nothing more to read.
    socket.on("end", () => this.finish(undefined));
    socket.on("error", (err) => this.finish(err));
    socket.on("close", () => this.finish(undefined));
  }

  setHandlers(handlers: StreamHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const event of early) event(handlers);
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed || !this.socket.writable) {
        reject(new Error("stream is closed"));
        return;
      }
      this.socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private finish(error: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.dispatch((h) => h.closed(error));
  }

  private dispatch(event: (h: StreamHandlers) => void): void {
    if (this.handlers === undefined) this.early.push(event);
    else event(this.handlers);
  }
}

function remoteOf(socket: Socket): Address {
  return { host: normalizeHost(socket.remoteAddress ?? ""), port: socket.remotePort ?? 0 };
}

/** A listening TCP socket as a {@link StreamTransport}. Create with {@link TcpTransport.listen}. */
export class TcpTransport implements StreamTransport {
  readonly local: Address;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private handler: (conn: StreamConnection) => void = (conn) => conn.destroy();
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(server: Server, local: Address) {
    this.server = server;
    this.local = local;
    server.on("connection", (socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      this.track(socket);
      this.handler(new NetStreamConnection(socket, remoteOf(socket)));
    });
    server.on("error", () => undefined);
  }

  /** Listens on `bind` (port 0: the OS picks). Rejects with `SHOAL_ERR_BIND` naming the address. */
  static async listen(bind: Address): Promise<TcpTransport> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        server.close();
        reject(
          new ShoalError(ErrorCode.bind, `cannot listen on TCP ${formatAddress(bind)}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      server.once("error", onError);
      server.listen({ port: bind.port, host: bind.host, exclusive: true, backlog: LISTEN_BACKLOG }, () => {
        server.off("error", onError);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === "string") {
      server.close();
      throw new ShoalError(ErrorCode.bind, `TCP listener on ${formatAddress(bind)} has no address`);
    }
    return new TcpTransport(server, { host: normalizeHost(address.address), port: address.port });
  }

  onConnection(handler: (conn: StreamConnection) => void): void {
    this.handler = handler;
  }

  dial(to: Address, timeoutMs: number): Promise<StreamConnection> {
    if (this.closed) return Promise.reject(new Error("transport is closed"));
    return new Promise((resolve, reject) => {
      const socket = connect({ host: to.host, port: to.port, noDelay: true });
      this.track(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${formatAddress(to)} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        socket.destroy();
        const message = `connect to ${formatAddress(to)} failed: ${err.message}`;
        reject(err.code === "ECONNREFUSED" ? new ConnectionRefusedError(message) : new Error(message));
      };
      socket.once("error", onError);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.off("error", onError);
        resolve(new NetStreamConnection(socket, to));
      });
    });
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    return this.closing;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }
}
