/**
 * Garbage at the socket boundary: junk datagrams, and TCP streams that stall half-written,
 * close early, exceed the size limit, carry junk, or arrive in excess. Each is counted under
 * its reason and dropped, the runtime never throws, and the cluster keeps working.
 */
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "../../../src/swim/core/api.js";
import { localConfig } from "../../../src/swim/core/config.js";
import { decodeStreamMessage, encodeStreamMessage } from "../../../src/swim/codec/stream.js";
import type { NodeRuntime } from "../../../src/swim/runtime/node-runtime.js";
import { aliveNames, closeAll, startCluster, startRuntime, waitFor } from "../../support/runtime-cluster.js";

const config = localConfig();
const STREAM_TIMEOUT_MS = 400;
const MAX_STREAM_BYTES = 64 * 1024;
const MAX_INBOUND = 4;

let nodes: NodeRuntime[] = [];
let target: NodeRuntime;
const errors: unknown[] = [];

beforeAll(async () => {
  nodes = await startCluster(3, { config }, "hostile", (i) =>
    i === 0
      ? {
          streamTimeoutMs: STREAM_TIMEOUT_MS,
          maxStreamBytes: MAX_STREAM_BYTES,
          maxInboundStreams: MAX_INBOUND,
          onError: (err) => errors.push(err),
        }
      : {},
  );
  target = nodes[0]!;
});
afterAll(closeAll);

async function sendRaw(to: Address, packets: readonly Uint8Array[]): Promise<void> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  for (const p of packets) {
    await new Promise<void>((resolve, reject) =>
      socket.send(p, to.port, to.host, (err) => (err ? reject(err) : resolve())),
    );
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

/** A raw TCP client that records what it receives and when the server closes. */
interface RawClient {
  readonly socket: Socket;
  readonly received: () => Uint8Array;
  readonly closed: Promise<void>;
}

async function rawClient(to: Address): Promise<RawClient> {
  const socket = connect({ host: to.host, port: to.port });
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => undefined); // the server may reset us; that is the point
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return { socket, received: () => new Uint8Array(Buffer.concat(chunks)), closed };
}

const pushPull = (userStateBytes: number): Uint8Array =>
  encodeStreamMessage(
    { kind: "pushPull", join: false, nodes: [], userState: new Uint8Array(userStateBytes) },
    { compress: false },
  );

describe("NodeRuntime under hostile input", () => {
  it("counts and drops junk datagrams", async () => {
    const before = { ...target.stats.dropped.packet };
    const junk: Uint8Array[] = [];
    for (let i = 0; i < 20; i++)
      junk.push(Uint8Array.from({ length: 50 + i }, (_, j) => (j === 0 ? 0xee : (j * 7 + i) & 0xff)));
    junk.push(new Uint8Array(0)); // empty datagram
    junk.push(Uint8Array.of(244, 50, 1, 2)); // truncated label header
    junk.push(Uint8Array.of(12, 0, 0, 0, 0, 0)); // CRC header with a wrong CRC
    await sendRaw(target.advertise, junk);
    await waitFor(
      "23 drops",
      () => {
        const d = target.stats.dropped.packet;
        return d.decode - before.decode + (d.malformed - before.malformed) === 23 ? true : undefined;
      },
      2_000,
    );
    expect(target.stats.dropped.packet.decode - before.decode).toBe(21);
    expect(target.stats.dropped.packet.malformed - before.malformed).toBe(2);
  });

  it("times out a half-written stream, answers with an error message and closes it", async () => {
    const client = await rawClient(target.advertise);
    const whole = pushPull(10);
    client.socket.write(whole.subarray(0, 5));
    const t0 = performance.now();
    await client.closed;
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(STREAM_TIMEOUT_MS - 50);
    expect(target.stats.dropped.stream.timeout).toBe(1);
    const answer = decodeStreamMessage(client.received());
    expect(answer.kind).toBe("err");
  });

  it("counts a stream that closes before its message is complete", async () => {
    const client = await rawClient(target.advertise);
    client.socket.end(pushPull(100).subarray(0, 40));
    await waitFor(
      "the incomplete drop",
      () => (target.stats.dropped.stream.incomplete === 1 ? true : undefined),
      2_000,
    );
  });

  it("cuts off an oversized stream at the limit", async () => {
    const client = await rawClient(target.advertise);
    client.socket.write(pushPull(1024 * 1024));
    await client.closed;
    expect(target.stats.dropped.stream.oversize).toBe(1);
  });

  it("answers a junk stream with an error message", async () => {
    const client = await rawClient(target.advertise);
    client.socket.write(Uint8Array.of(0xee, 1, 2, 3));
    await client.closed;
    expect(target.stats.dropped.stream.malformed).toBe(1);
    const answer = decodeStreamMessage(client.received());
    expect(answer).toMatchObject({ kind: "err" });
  });

  it("refuses streams beyond the concurrent-inbound limit", async () => {
    const idle: RawClient[] = [];
    for (let i = 0; i < MAX_INBOUND + 2; i++) idle.push(await rawClient(target.advertise));
    await waitFor(
      "2 overloaded",
      () => (target.stats.dropped.stream.overloaded === 2 ? true : undefined),
      2_000,
    );
    await Promise.all(idle.map((c) => c.closed)); // the rest time out
  });

  it("keeps working: views intact, a newcomer joins through it, nothing thrown", async () => {
    const late = await startRuntime({ name: "hostile-late", config });
    await late.join([target.advertise]);
    // The push/pull with the target tells both sides about each other at once; the rest of
    // the cluster hears by gossip (not asserted: that is the protocol, not this runtime).
    for (const rt of [target, late]) expect(aliveNames(rt)).toHaveLength(4);
    for (const rt of nodes) expect(aliveNames(rt)).toEqual(expect.arrayContaining(nodes.map((n) => n.name)));
    expect(target.stats.internalErrors).toBe(0);
    expect(errors).toEqual([]);
  });
});
