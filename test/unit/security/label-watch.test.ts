/**
 * The label-mismatch reporter (src/agent/daemon/label-watch.ts): once per peer, whatever the
 * number of packets; nothing for our own label or a broken header; TCP peers by host.
 */
import { describe, expect, it } from "vitest";
import { labelWatchingBinder } from "../../../src/agent/daemon/label-watch.js";
import { addLabel } from "../../../src/swim/codec/label.js";
import type { Address } from "../../../src/swim/core/api.js";
import type {
  BoundTransports,
  PacketHandler,
  StreamConnection,
  StreamHandlers,
} from "../../../src/swim/runtime/transport.js";

/** A binder whose inbound side the test drives by hand. */
function fakeBinder() {
  let packet: PacketHandler = () => undefined;
  let connection: (conn: StreamConnection) => void = () => undefined;
  const local: Address = { host: "127.0.0.1", port: 7946 };
  const bound: BoundTransports = {
    local,
    packet: {
      local,
      send: () => undefined,
      onPacket: (h) => void (packet = h),
      onSendError: () => undefined,
      close: async () => undefined,
    },
    stream: {
      local,
      onConnection: (h) => void (connection = h),
      dial: () => Promise.reject(new Error("no dials here")),
      close: async () => undefined,
    },
  };
  return {
    binder: async () => bound,
    deliver: (from: Address, bytes: Uint8Array) => packet(from, bytes),
    connect: (from: Address): ((chunk: Uint8Array) => void) => {
      let handlers: StreamHandlers | undefined;
      connection({
        remote: from,
        setHandlers: (h) => void (handlers = h),
        write: async () => undefined,
        end: () => undefined,
        destroy: () => undefined,
      });
      return (chunk) => handlers?.data(chunk);
    },
  };
}

describe("label mismatch reporting", () => {
  it("reports each peer once, passes every packet on, and ignores our own label", async () => {
    const fake = fakeBinder();
    const reports: string[] = [];
    const seen: number[] = [];
    const bound = await labelWatchingBinder(fake.binder, "blue", (peer, label) =>
      reports.push(`${peer} ${label}`),
    )({ host: "127.0.0.1", port: 0 });
    bound.packet.onPacket((_from, bytes) => seen.push(bytes.length));
    const a = { host: "127.0.0.1", port: 1000 };
    const b = { host: "127.0.0.2", port: 1000 };
    for (let i = 0; i < 50; i++) fake.deliver(a, addLabel("green", Uint8Array.of(1, 2)));
    fake.deliver(b, Uint8Array.of(1, 2)); // no label at all
    fake.deliver(b, addLabel("blue", Uint8Array.of(1))); // ours
    fake.deliver(b, Uint8Array.of(244, 9, 1)); // broken header: the runtime's to count, not ours
    expect(reports).toEqual(["127.0.0.1:1000 green", "127.0.0.2:1000 "]);
    expect(seen).toHaveLength(53);
  });

  it("reports stream peers by host, from the first chunk", async () => {
    const fake = fakeBinder();
    const reports: string[] = [];
    const bound = await labelWatchingBinder(fake.binder, "", (peer, label) =>
      reports.push(`${peer} ${label}`),
    )({
      host: "127.0.0.1",
      port: 0,
    });
    const chunks: number[] = [];
    bound.stream.onConnection((conn) =>
      conn.setHandlers({ data: (c) => chunks.push(c.length), closed: () => undefined }),
    );
    for (let port = 2000; port < 2005; port++) {
      const send = fake.connect({ host: "127.0.0.9", port });
      send(addLabel("green", Uint8Array.of(1)));
      send(addLabel("green", Uint8Array.of(1)));
    }
    expect(reports).toEqual(["127.0.0.9 green"]);
    expect(chunks).toHaveLength(10);
  });
});
