/**
 * Interface-compliance suites for transports (../shared/DESIGN.md section 4, after
 * js-libp2p's): one function per interface, run against every implementation, so the runtime
 * can rely on the same behaviour from real sockets and from the in-memory network.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Address } from "../../src/swim/core/api.js";
import type { PacketTransport, StreamConnection, StreamTransport } from "../../src/swim/runtime/transport.js";
import { sleep, waitFor } from "./runtime-cluster.js";

/** What a packet suite needs: a way to bind a fresh transport on its loopback host. */
export interface PacketTransportFactory {
  readonly name: string;
  /** Binds a new transport on the host under test with a free port. */
  bind(): Promise<PacketTransport>;
}

/** Bytes 0..n-1 patterned by `tag`, so mixed-up packets are told apart. */
function pattern(n: number, tag: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + tag) & 0xff;
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** The packet-transport compliance suite. */
export function packetTransportCompliance(factory: PacketTransportFactory): void {
  describe(`PacketTransport compliance: ${factory.name}`, () => {
    const open: PacketTransport[] = [];
    const bind = async (): Promise<PacketTransport> => {
      const t = await factory.bind();
      open.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((t) => t.close()));
    });

    it("binds a real port and delivers a datagram with the sender's address", async () => {
      const a = await bind();
      const b = await bind();
      expect(a.local.port).toBeGreaterThan(0);
      expect(a.local.port).not.toBe(b.local.port);
      const got: { from: Address; bytes: Uint8Array }[] = [];
      b.onPacket((from, bytes) => got.push({ from, bytes: bytes.slice() }));
      a.send(b.local, Uint8Array.of(1, 2, 3));
      await waitFor("one datagram", () => (got.length === 1 ? true : undefined), 2_000);
      expect(got[0]!.bytes).toEqual(Uint8Array.of(1, 2, 3));
      expect(got[0]!.from).toEqual(a.local);
    });

    it("delivers every one of many datagrams, in whatever order", async () => {
      const a = await bind();
      const b = await bind();
      const seen = new Set<string>();
      b.onPacket((_from, bytes) => seen.add(hex(bytes)));
      const sent = new Set<string>();
      for (let i = 0; i < 100; i++) {
        const bytes = pattern(20 + i, i);
        sent.add(hex(bytes));
        a.send(b.local, bytes);
      }
      await waitFor("100 datagrams", () => (seen.size === sent.size ? true : undefined), 5_000);
      expect([...seen].sort()).toEqual([...sent].sort());
    });

    it("carries datagrams up to memberlist's 1400-byte budget intact (and 8 KB ones)", async () => {
      const a = await bind();
      const b = await bind();
      const got: Uint8Array[] = [];
      b.onPacket((_from, bytes) => got.push(bytes.slice()));
      const sizes = [1, 1399, 1400, 8192];
      for (const [i, size] of sizes.entries()) a.send(b.local, pattern(size, i));
      await waitFor("large datagrams", () => (got.length === sizes.length ? true : undefined), 2_000);
      const bySize = new Map(got.map((g) => [g.length, g]));
      for (const [i, size] of sizes.entries()) expect(bySize.get(size)).toEqual(pattern(size, i));
    });

    it("answers in both directions on one transport", async () => {
      const a = await bind();
      const b = await bind();
      b.onPacket((from, bytes) => b.send(from, Uint8Array.of(...bytes, 0xff)));
      const replies: Uint8Array[] = [];
      a.onPacket((_from, bytes) => replies.push(bytes.slice()));
      a.send(b.local, Uint8Array.of(7));
      await waitFor("the echo", () => (replies.length === 1 ? true : undefined), 2_000);
      expect(replies[0]).toEqual(Uint8Array.of(7, 0xff));
    });

    it("stops delivery once closed, and sending to or from a closed transport does not throw", async () => {
      const a = await bind();
      const b = await bind();
      let count = 0;
      b.onPacket(() => count++);
      a.send(b.local, Uint8Array.of(1));
      await waitFor("the first datagram", () => (count === 1 ? true : undefined), 2_000);
      await b.close();
      await b.close(); // idempotent
      a.send(b.local, Uint8Array.of(2));
      await sleep(200);
      expect(count).toBe(1);
      await a.close();
      expect(() => a.send(b.local, Uint8Array.of(3))).not.toThrow();
    });

    it("does not throw when sending to a port nobody listens on", async () => {
      const a = await bind();
      const b = await bind();
      const dead = b.local;
      await b.close();
      const errors: Error[] = [];
      a.onSendError((_to, err) => errors.push(err));
      expect(() => a.send(dead, Uint8Array.of(1))).not.toThrow();
      await sleep(100);
      // Whatever the OS reports is counted, never thrown; the transport still works.
      const c = await bind();
      let ok = false;
      c.onPacket(() => (ok = true));
      a.send(c.local, Uint8Array.of(9));
      await waitFor("delivery after the failed send", () => (ok ? true : undefined), 2_000);
    });
  });
}

/** What a stream suite needs. */
export interface StreamTransportFactory {
  readonly name: string;
  /** Binds a new listener on the host under test with a free port. */
  bind(): Promise<StreamTransport>;
}

/** Collects one connection's chunks and close, for assertions. */
function collect(conn: StreamConnection): { bytes: () => Uint8Array; closed: () => boolean } {
  const chunks: Uint8Array[] = [];
  let closed = false;
  conn.setHandlers({
    data: (chunk) => chunks.push(chunk.slice()),
    closed: () => (closed = true),
  });
  return { bytes: () => Uint8Array.from(chunks.flatMap((c) => [...c])), closed: () => closed };
}

/** The stream-transport compliance suite. */
export function streamTransportCompliance(factory: StreamTransportFactory): void {
  describe(`StreamTransport compliance: ${factory.name}`, () => {
    const open: StreamTransport[] = [];
    const bind = async (): Promise<StreamTransport> => {
      const t = await factory.bind();
      open.push(t);
      return t;
    };
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((t) => t.close()));
    });

    it("carries one request and one reply, in order, across chunks", async () => {
      const server = await bind();
      const client = await bind();
      server.onConnection((conn) => {
        const chunks: number[] = [];
        conn.setHandlers({
          data: (chunk) => {
            chunks.push(...chunk);
            if (chunks.length >= 3000) {
              void conn.write(Uint8Array.from(chunks.slice(0, 3000).reverse())).then(() => conn.end());
            }
          },
          closed: () => undefined,
        });
      });
      const conn = await client.dial(server.local, 2_000);
      const reply = collect(conn);
      const request = pattern(3000, 5);
      await conn.write(request.subarray(0, 1000));
      await conn.write(request.subarray(1000));
      await waitFor("the reply and the close", () => (reply.closed() ? true : undefined), 2_000);
      expect(reply.bytes()).toEqual(Uint8Array.from([...request].reverse()));
    });

    it("reports the inbound peer's address and keeps data sent before handlers were set", async () => {
      const server = await bind();
      const client = await bind();
      let inbound: StreamConnection | undefined;
      server.onConnection((conn) => (inbound = conn));
      const conn = await client.dial(server.local, 2_000);
      await conn.write(Uint8Array.of(4, 5, 6));
      await waitFor("the inbound connection", () => inbound, 2_000);
      await sleep(50);
      const got = collect(inbound!);
      expect(inbound!.remote.host).toBe(client.local.host);
      await waitFor("the early bytes", () => (got.bytes().length === 3 ? true : undefined), 2_000);
      expect(got.bytes()).toEqual(Uint8Array.of(4, 5, 6));
      conn.destroy();
      await waitFor("the peer's close", () => (got.closed() ? true : undefined), 2_000);
    });

    it("rejects a dial to a port with no listener", async () => {
      const client = await bind();
      const gone = await bind();
      const dead = gone.local;
      await gone.close();
      await expect(client.dial(dead, 2_000)).rejects.toThrow(/refused|failed|closed/i);
    });

    it("destroys open connections on close and refuses dials afterwards", async () => {
      const server = await bind();
      const client = await bind();
      server.onConnection((conn) => conn.setHandlers({ data: () => undefined, closed: () => undefined }));
      const conn = await client.dial(server.local, 2_000);
      const seen = collect(conn);
      await server.close();
      await waitFor("the client to see the close", () => (seen.closed() ? true : undefined), 2_000);
      await client.close();
      await expect(client.dial(server.local, 500)).rejects.toThrow();
    });
  });
}
