/**
 * {@link PacketTransport} over one `node:dgram` socket: `udp4` for an IPv4 bind address, `udp6`
 * for an IPv6 one. A `udp6` socket bound to `::` is dual-stack, so IPv4 peers are addressed as
 * IPv4-mapped IPv6 on send and reported as plain IPv4 on receive (`normalizeHost`).
 *
 * Socket errors never escape: an `error` event with no listener would crash the process, and
 * one bad datagram must not take the node down.
 */
import { createSocket } from "node:dgram";
import type { Socket } from "node:dgram";
import { isIPv4 } from "node:net";
import { ErrorCode, ShoalError } from "../../errors.js";
import type { Address } from "../core/api.js";
import { formatAddress, ipFamily, normalizeHost } from "./address.js";
import type { PacketHandler, PacketTransport } from "./transport.js";

/** memberlist asks the kernel for a 2 MB receive buffer (halving until it is accepted). */
const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024;
const MIN_RECEIVE_BUFFER_BYTES = 64 * 1024;

/** A bound UDP socket as a {@link PacketTransport}. Create with {@link UdpTransport.bind}. */
export class UdpTransport implements PacketTransport {
  readonly local: Address;
  private readonly socket: Socket;
  private readonly family: 4 | 6;
  private handler: PacketHandler = () => undefined;
  private sendErrorHandler: (to: Address, error: Error) => void = () => undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(socket: Socket, local: Address, family: 4 | 6) {
    this.socket = socket;
    this.local = local;
    this.family = family;
    socket.on("message", (msg, rinfo) => {
      if (this.closed) return;
      const from = { host: normalizeHost(rinfo.address), port: rinfo.port };
      this.handler(from, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    });
    // After bind, errors are per-datagram trouble (e.g. ICMP unreachable on some systems).
    socket.on("error", () => undefined);
  }

  /**
   * Binds a UDP socket to `bind` (port 0: the OS picks). Rejects with `SHOAL_ERR_BIND`
   * naming the address.
   */
  static async bind(bind: Address): Promise<UdpTransport> {
    const family = ipFamily(bind.host);
    const socket = createSocket({ type: family === 6 ? "udp6" : "udp4" });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(
          new ShoalError(ErrorCode.bind, `cannot bind UDP ${formatAddress(bind)}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      socket.once("error", onError);
      socket.bind({ port: bind.port, address: bind.host, exclusive: true }, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    setReceiveBuffer(socket);
    const bound = socket.address();
    return new UdpTransport(socket, { host: normalizeHost(bound.address), port: bound.port }, family);
  }

  send(to: Address, bytes: Uint8Array): void {
    if (this.closed) return;
    let host = to.host;
    if (this.family === 6 && isIPv4(host)) host = `::ffff:${host}`;
    else if (this.family === 4 && !isIPv4(host)) {
      this.sendErrorHandler(to, new Error(`cannot send to IPv6 ${formatAddress(to)} from an IPv4 socket`));
      return;
    }
    try {
      this.socket.send(bytes, to.port, host, (err) => {
        if (err) this.sendErrorHandler(to, err);
      });
    } catch (err) {
      // Synchronous throws: bad port, socket closed under us.
      this.sendErrorHandler(to, err instanceof Error ? err : new Error(String(err)));
    }
  }

  onPacket(handler: PacketHandler): void {
    this.handler = handler;
  }

  onSendError(handler: (to: Address, error: Error) => void): void {
    this.sendErrorHandler = handler;
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.closing = new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    return this.closing;
  }
}

/** Asks for memberlist's 2 MB receive buffer, halving until the kernel accepts. */
function setReceiveBuffer(socket: Socket): void {
  for (let size = RECEIVE_BUFFER_BYTES; size >= MIN_RECEIVE_BUFFER_BYTES; size /= 2) {
    try {
      socket.setRecvBufferSize(size);
      return;
    } catch {
      // Too large for this system's limit (net.core.rmem_max); try half.
    }
  }
}
