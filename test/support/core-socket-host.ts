/**
 * A minimal shell for interop tests: one {@link SwimNode} (normally `createSwimNode`) on real
 * UDP and TCP sockets of 127.0.0.1, plaintext, with one timer at the core's next deadline and
 * a monotonic clock. It carries out the core's directives and records its events. Deliberately
 * not the production runtime (src/swim/runtime): it tests the core against a real Serf with as
 * little shell as possible.
 */
import { createSocket } from "node:dgram";
import type { Socket as UdpSocket } from "node:dgram";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import type { Address, Directive, SwimEvent, SwimNode } from "../../src/swim/core/api.js";
import { StreamMessageReader } from "../../src/swim/codec/stream.js";
import { freePort } from "../../src/tools/free-port.js";

/** Builds the node once the port is bound. */
export type NodeBuilder<N extends SwimNode> = (advertise: Address, nowMs: number) => N;

/** Incoming stream ids are far from the core's own dial ids. */
const INBOUND_BASE = 0x40000000;

/** One node on real sockets. */
export class CoreSocketHost<N extends SwimNode> {
  readonly events: { readonly atMs: number; readonly event: SwimEvent }[] = [];
  private node: N | undefined;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly inbound = new Map<number, Socket>();
  private nextInbound = INBOUND_BASE;
  private closed = false;
  private readonly listeners: ((event: SwimEvent) => void)[] = [];

  constructor(
    readonly port: number,
    private readonly build: NodeBuilder<N>,
  ) {}

  /** Binds UDP and TCP on the port, then builds the node. */
  async start(): Promise<void> {
    const udp = createSocket("udp4");
    udp.on("message", (msg, rinfo) => {
      this.run((n, now) => n.onPacket({ host: rinfo.address, port: rinfo.port }, new Uint8Array(msg), now));
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(this.port, "127.0.0.1", () => resolve());
    });
    this.udp = udp;
    const tcp = createServer((conn) => this.accept(conn));
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.tcp = tcp;
    this.node = this.build({ host: "127.0.0.1", port: this.port }, now());
    this.arm();
  }

  /** The node. */
  get core(): N {
    if (this.node === undefined) throw new Error("host not started");
    return this.node;
  }

  /** Call a node input (a command) and carry out what it returns. */
  run(input: (node: N, nowMs: number) => readonly Directive[]): void {
    if (this.closed || this.node === undefined) return;
    this.apply(input(this.node, now()));
  }

  /** Called for every event, after it is recorded. */
  onEvent(listener: (event: SwimEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Stops the timer and closes every socket. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }

  private apply(directives: readonly Directive[]): void {
    for (const d of directives) {
      switch (d.kind) {
        case "send":
          this.udp?.send(d.bytes, d.to.port, d.to.host);
          break;
        case "dial":
          this.dial(d);
          break;
        case "reply": {
          const conn = this.inbound.get(d.streamId);
          this.inbound.delete(d.streamId);
          conn?.end(d.bytes);
          break;
        }
        case "event":
          this.events.push({ atMs: now(), event: d.event });
          for (const l of this.listeners) l(d.event);
          break;
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.closed || this.node === undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const deadline = this.node.nextDeadline();
    if (deadline === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.run((n, t) => n.onTimer(t));
      },
      Math.max(0, deadline - now()),
    );
  }

  /** Reads exactly one stream message from `conn`; resolves with its raw bytes. */
  private readOne(conn: Socket, onMessage: (raw: Uint8Array) => void, onFail: (why: string) => void): void {
    const reader = new StreamMessageReader();
    const chunks: Buffer[] = [];
    let finished = false;
    conn.on("data", (chunk: Buffer) => {
      if (finished) return;
      chunks.push(chunk);
      try {
        if (reader.push(new Uint8Array(chunk)) === undefined) return;
      } catch (err) {
        finished = true;
        onFail(String(err));
        conn.destroy();
        return;
      }
      finished = true;
      onMessage(new Uint8Array(Buffer.concat(chunks)).subarray(0, reader.consumed));
    });
    conn.on("close", () => {
      if (!finished) onFail("closed before a whole message");
      finished = true;
    });
  }

  private accept(conn: Socket): void {
    this.sockets.add(conn);
    conn.on("error", () => conn.destroy());
    conn.on("close", () => this.sockets.delete(conn));
    const from = { host: conn.remoteAddress ?? "127.0.0.1", port: conn.remotePort ?? 0 };
    this.readOne(
      conn,
      (raw) => {
        const id = this.nextInbound++;
        this.inbound.set(id, conn);
        this.run((n, t) => n.onStream(id, from, raw, t));
        // No reply directive (a one-way user message): close our side.
        if (this.inbound.delete(id)) conn.end();
      },
      () => undefined,
    );
  }

  private dial(d: Extract<Directive, { kind: "dial" }>): void {
    const conn = createConnection({ host: d.to.host, port: d.to.port });
    this.sockets.add(conn);
    let settled = false;
    const fail = (why: string, refused = false): void => {
      if (settled) return;
      settled = true;
      conn.destroy();
      this.run((n, t) => n.onStreamFailed(d.streamId, { reason: why, refused }, t));
    };
    const timer = setTimeout(() => fail("i/o timeout"), d.timeoutMs);
    conn.on("error", (err: NodeJS.ErrnoException) => fail(err.message, err.code === "ECONNREFUSED"));
    conn.on("close", () => {
      clearTimeout(timer);
      this.sockets.delete(conn);
    });
    conn.on("connect", () => {
      conn.write(d.bytes);
      if (!d.expectReply) {
        settled = true;
        clearTimeout(timer);
        conn.end();
      }
    });
    if (!d.expectReply) return;
    this.readOne(
      conn,
      (raw) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.end();
        this.run((n, t) => n.onStreamReply(d.streamId, raw, t));
      },
      fail,
    );
  }
}

function now(): number {
  return performance.now();
}

/** A port in 17000-17999 free for both UDP and TCP on 127.0.0.1. */
export function freeInteropPort(exclude: readonly number[] = []): Promise<number> {
  return freePort({ from: 17_000, count: 1_000, exclude, attempts: 100 });
}
