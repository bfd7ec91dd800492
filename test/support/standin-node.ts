/**
 * A minimal memberlist/Serf peer built only from Shoal's codec over raw node:dgram and
 * node:net sockets, used to talk to a real `serf agent`: it joins with a TCP push/pull
 * (Join=true), answers pings with acks carrying a Serf coordinate, answers push/pulls and
 * TCP pings, and records every byte it receives (before decryption) for fixtures and
 * assertions. Not a protocol implementation: it never probes, gossips or refutes.
 */
import { createSocket } from "node:dgram";
import type { RemoteInfo, Socket as UdpSocket } from "node:dgram";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import type { Keyring } from "../../src/swim/codec/keyring.js";
import { decodePacketDetailed, encodePacketMessages } from "../../src/swim/codec/packet.js";
import { openPacket, sealPacket, sealStream, StreamFrameReader } from "../../src/swim/codec/security.js";
import { encodeCoordinatePayload, encodeSerfMessage } from "../../src/swim/codec/serf-messages.js";
import { encodeStreamMessage, StreamMessageReader } from "../../src/swim/codec/stream.js";
import { encodeTags } from "../../src/swim/codec/tags.js";
import type { PacketMessage, PushNodeState, StreamMessage } from "../../src/swim/codec/types.js";
import { NodeState } from "../../src/swim/codec/types.js";
import { freePort } from "../../src/tools/free-port.js";

/** memberlist 1..5 speaking 2, Serf delegate 2..5 speaking 5: what Serf 0.8/0.9 agents send. */
export const SERF_VSN = Uint8Array.from([1, 5, 2, 2, 5, 5]);

/** One received UDP packet, raw and decoded (`messages` empty if it did not decode). */
export interface ReceivedPacket {
  readonly raw: Uint8Array;
  readonly plain: Uint8Array | undefined;
  readonly messages: readonly PacketMessage[];
  readonly error: unknown;
  readonly from: { readonly address: string; readonly port: number };
}

/** One stream exchange (either direction of initiation): what we received, raw and decoded. */
export interface ReceivedStream {
  readonly raw: Uint8Array;
  readonly message: StreamMessage;
}

/** Stand-in configuration. */
export interface StandinOptions {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly keyring?: Keyring;
  readonly compress: boolean;
}

const LOOPBACK = Uint8Array.from([127, 0, 0, 1]);

/** The stand-in node. Call {@link StandinNode.start} first and {@link StandinNode.close} last. */
export class StandinNode {
  readonly packets: ReceivedPacket[] = [];
  readonly inboundStreams: ReceivedStream[] = [];
  port = 0;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(readonly opts: StandinOptions) {}

  /** Binds UDP and TCP on one free port of 127.0.0.1. */
  async start(): Promise<void> {
    this.port = await freePort();
    const udp = createSocket("udp4");
    udp.on("message", (msg, rinfo) => this.onPacket(new Uint8Array(msg), rinfo));
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(this.port, "127.0.0.1", () => resolve());
    });
    this.udp = udp;
    const tcp = createServer((conn) => this.onConnection(conn));
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.tcp = tcp;
  }

  /** Closes both sockets and any open connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }

  /** Our own node state as it travels in push/pull. */
  selfState(): PushNodeState {
    return {
      name: this.opts.name,
      addr: LOOPBACK,
      port: this.port,
      meta: encodeTags(this.opts.tags),
      incarnation: 1,
      state: NodeState.alive,
      vsn: SERF_VSN,
    };
  }

  /** Serf's user state for our push/pull: `[2]` + messagePushPull knowing only ourselves. */
  serfUserState(): Uint8Array {
    return encodeSerfMessage({
      kind: "pushPull",
      lTime: 1,
      statusLTimes: new Map([[this.opts.name, 1]]),
      leftMembers: [],
      eventLTime: 1,
      events: [],
      queryLTime: 1,
    });
  }

  /** The stream bytes of our push/pull, compressed and sealed as configured. */
  pushPullBytes(join: boolean): Uint8Array {
    const plain = encodeStreamMessage(
      { kind: "pushPull", join, nodes: [this.selfState()], userState: this.serfUserState() },
      { compress: this.opts.compress },
    );
    return sealStream(plain, { keyring: this.opts.keyring });
  }

  /**
   * Does a push/pull with `host:port` (Join as given): sends our state first, as the
   * initiator does, then reads the reply. Resolves with the raw reply bytes and its decoding.
   */
  pushPull(port: number, join: boolean, timeoutMs = 10_000): Promise<ReceivedStream> {
    return new Promise((resolve, reject) => {
      const conn = createConnection({ host: "127.0.0.1", port });
      this.sockets.add(conn);
      const timer = setTimeout(() => {
        conn.destroy();
        reject(new Error("push/pull reply timed out"));
      }, timeoutMs);
      const reader = this.streamReader();
      conn.on("connect", () => conn.write(this.pushPullBytes(join)));
      conn.on("data", (chunk: Buffer) => {
        try {
          const result = reader.push(new Uint8Array(chunk));
          if (result !== undefined) {
            clearTimeout(timer);
            conn.end();
            resolve(result);
          }
        } catch (err) {
          clearTimeout(timer);
          conn.destroy();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      conn.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      conn.on("close", () => this.sockets.delete(conn));
    });
  }

  /** Packets decoded so far, flattened to their messages. */
  allMessages(): PacketMessage[] {
    return this.packets.flatMap((p) => p.messages);
  }

  private streamReader(): { push(chunk: Uint8Array): ReceivedStream | undefined } {
    const frames = new StreamFrameReader({ keyring: this.opts.keyring });
    const messages = new StreamMessageReader();
    const raw: Uint8Array[] = [];
    return {
      push(chunk) {
        raw.push(chunk);
        const plain = frames.push(chunk);
        if (plain.length === 0) return undefined;
        const message = messages.push(plain);
        if (message === undefined) return undefined;
        return { raw: Buffer.concat(raw), message };
      },
    };
  }

  private onConnection(conn: Socket): void {
    this.sockets.add(conn);
    conn.on("close", () => this.sockets.delete(conn));
    conn.on("error", () => conn.destroy());
    const reader = this.streamReader();
    conn.on("data", (chunk: Buffer) => {
      let received: ReceivedStream | undefined;
      try {
        received = reader.push(new Uint8Array(chunk));
      } catch {
        conn.destroy();
        return;
      }
      if (received === undefined) return;
      this.inboundStreams.push(received);
      const m = received.message;
      if (m.kind === "pushPull") {
        conn.end(this.pushPullBytes(false));
      } else if (m.kind === "ping") {
        const ack = encodeStreamMessage(
          { kind: "ackResp", seqNo: m.seqNo, payload: null },
          { compress: false },
        );
        conn.end(sealStream(ack, { keyring: this.opts.keyring }));
      } else {
        conn.end();
      }
    });
  }

  private onPacket(raw: Uint8Array, rinfo: RemoteInfo): void {
    let plain: Uint8Array | undefined;
    let messages: PacketMessage[] = [];
    let error: unknown;
    try {
      plain = openPacket(raw, { keyring: this.opts.keyring });
      messages = decodePacketDetailed(plain).messages;
    } catch (err) {
      error = err;
    }
    this.packets.push({ raw, plain, messages, error, from: { address: rinfo.address, port: rinfo.port } });
    for (const m of messages) {
      if (m.kind !== "ping") continue;
      if (m.node !== "" && m.node !== this.opts.name) continue;
      const payload = encodeCoordinatePayload({
        vec: [0, 0, 0, 0, 0, 0, 0, 0],
        error: 1.5,
        adjustment: 0,
        height: 1e-5,
      });
      const ack = encodePacketMessages([{ kind: "ackResp", seqNo: m.seqNo, payload }], {
        compress: false,
        crc: false,
      });
      const toPort = m.sourcePort ?? rinfo.port;
      this.udp?.send(sealPacket(ack, { keyring: this.opts.keyring }), toPort, "127.0.0.1");
    }
  }
}
