import { describe, expect, it } from "vitest";
import { encodeCompound } from "../../../src/swim/codec/compound.js";
import { addCrc } from "../../../src/swim/codec/packet.js";
import { MessageType, SerfMessageType } from "../../../src/swim/codec/types.js";
import { forEachMessage, messageTypeName } from "../../../src/swim/runtime/message-types.js";
import { countMessage, createRuntimeStats } from "../../../src/swim/runtime/runtime-stats.js";

const ping = new Uint8Array([MessageType.ping, 1, 2, 3]);
const userEvent = new Uint8Array([MessageType.user, SerfMessageType.userEvent, 9, 9]);
const catalog = new Uint8Array([MessageType.user, 200, 1]);

describe("message type counters", () => {
  it("names memberlist, Serf and catalog messages", () => {
    expect(messageTypeName(ping)).toBe("ping");
    expect(messageTypeName(userEvent)).toBe("serf.userEvent");
    expect(messageTypeName(catalog)).toBe("serf.catalog");
    expect(messageTypeName(new Uint8Array([77]))).toBe("unknown");
  });

  it("counts each part of a compound, behind a CRC header", () => {
    const stats = createRuntimeStats();
    const packet = addCrc(encodeCompound([ping, userEvent, catalog]));
    forEachMessage(packet, (name, bytes) => countMessage(stats.messages.sent, name, bytes));
    expect(stats.messages.sent).toEqual({
      ping: { count: 1, bytes: 4 },
      "serf.userEvent": { count: 1, bytes: 4 },
      "serf.catalog": { count: 1, bytes: 3 },
    });
  });

  it("counts a truncated compound header as malformed instead of throwing", () => {
    const names: string[] = [];
    forEachMessage(new Uint8Array([MessageType.compound, 5, 0]), (name) => names.push(name));
    expect(names).toEqual(["malformed"]);
  });
});
