import { describe, expect, it } from "vitest";
import { DecodeError, EncodeError } from "../../../src/errors.js";
import { encodeCompound } from "../../../src/swim/codec/compound.js";
import { crc32 } from "../../../src/swim/codec/crc32.js";
import { encodeMessage } from "../../../src/swim/codec/memberlist-messages.js";
import {
  addCrc,
  decodePacket,
  decodePacketDetailed,
  encodeCompressed,
  encodePacket,
} from "../../../src/swim/codec/packet.js";
import type { Alive, PacketMessage } from "../../../src/swim/codec/types.js";
import { b, fs, hex } from "./helpers.js";

function aliveOfSize(size: number): Alive {
  for (let n = 1; n < 40; n++) {
    const a: Alive = {
      kind: "alive",
      incarnation: 1,
      node: "n".repeat(n),
      addr: Uint8Array.of(127, 0, 0, 1),
      port: 7946,
      meta: b(0xff, 0x80),
      vsn: Uint8Array.of(1, 5, 2, 2, 5, 5),
    };
    if (encodeMessage(a).length === size) return a;
  }
  throw new Error(`no alive of ${size} bytes`);
}

describe("packet pipeline", () => {
  it("builds CRC -> compound -> alive like the observed gossip packet", () => {
    const a1 = aliveOfSize(81);
    const a2 = aliveOfSize(74);
    const pkt = encodePacket([encodeMessage(a1), encodeMessage(a2)], { compress: false, crc: true });
    expect(hex(pkt.subarray(5, 11))).toBe("07 02 00 51 00 4a");
    expect(hex(pkt.subarray(11, 18))).toBe(hex(b(0x04, 0x86, fs("Addr"))));
    const crc = crc32(pkt, 5);
    expect(hex(pkt.subarray(0, 5))).toBe(
      hex(b(0x0c, crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255)),
    );
    expect(decodePacket(pkt)).toEqual([a1, a2]);
  });

  it("sends a single message as is", () => {
    const m = encodeMessage({ kind: "nackResp", seqNo: 3 });
    expect(encodePacket([m], { compress: false, crc: false })).toEqual(m);
    expect(() => encodePacket([], { compress: false, crc: false })).toThrow(EncodeError);
    expect(() => encodePacket(new Array<Uint8Array>(256).fill(m), { compress: false, crc: false })).toThrow(
      EncodeError,
    );
  });

  it("compresses only when that makes the packet smaller", () => {
    const small = encodeMessage({ kind: "nackResp", seqNo: 3 });
    expect(encodePacket([small], { compress: true, crc: false })).toEqual(small);
    const repetitive: PacketMessage[] = Array.from({ length: 20 }, (_, i) => ({
      kind: "suspect",
      incarnation: i,
      node: "n".repeat(30),
      from: "f".repeat(30),
    }));
    const plain = encodePacket(repetitive.map(encodeMessage), { compress: false, crc: false });
    const pkt = encodePacket(repetitive.map(encodeMessage), { compress: true, crc: true });
    expect(pkt[0]).toBe(12);
    expect(pkt[5]).toBe(9);
    expect(pkt.length).toBeLessThan(plain.length);
    expect(decodePacket(pkt)).toEqual(repetitive);
  });

  it("rejects a CRC mismatch and a truncated CRC header", () => {
    const pkt = encodePacket([encodeMessage({ kind: "nackResp", seqNo: 3 })], { compress: false, crc: true });
    const bad = pkt.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => decodePacket(bad)).toThrow(DecodeError);
    expect(() => decodePacket(bad)).toThrow(/CRC mismatch/);
    expect(() => decodePacket(b(12, 0, 0))).toThrow(/truncated/);
  });

  it("keeps complete compound parts, counts truncated and malformed ones", () => {
    const good = encodeMessage({ kind: "nackResp", seqNo: 1 });
    const crcInside = addCrc(good); // memberlist does not accept hasCrc inside a compound
    const compound = encodeCompound([good, b(0x03, 0xc1), crcInside, good, good]);
    const res = decodePacketDetailed(compound.subarray(0, compound.length - 2));
    expect(res.messages).toEqual([
      { kind: "nackResp", seqNo: 1 },
      { kind: "nackResp", seqNo: 1 },
    ]);
    expect(res.truncatedParts).toBe(1);
    expect(res.failedParts).toHaveLength(2);
    expect(res.failedParts.every((e) => e instanceof DecodeError)).toBe(true);
  });

  it("unwraps compound inside compress inside compound, and bounds the nesting depth", () => {
    const m = encodeMessage({ kind: "nackResp", seqNo: 5 });
    const inner = encodeCompressed(encodeCompound([m, m]));
    const outer = encodeCompound([inner, m]);
    expect(decodePacket(outer).map((x) => x.kind)).toEqual(["nackResp", "nackResp", "nackResp"]);
    let deep = m;
    for (let i = 0; i < 10; i++) deep = encodeCompound([deep]);
    const res = decodePacketDetailed(deep);
    expect(res.messages).toEqual([]);
    expect(res.failedParts[0]?.message).toMatch(/nesting/);
    expect(decodePacket(deep, { maxDepth: 20 })).toHaveLength(1);
  });

  it("refuses bad compression wrappers and oversized decompression", () => {
    expect(() => decodePacket(b(0x09, 0x82, fs("Algo"), 0x01, fs("Buf"), 0xa0))).toThrow(/algorithm/);
    const big = encodeCompressed(new Uint8Array(100_000));
    expect(() => decodePacket(big, { maxDecompressedBytes: 1000 })).toThrow(DecodeError);
  });

  it("refuses empty packets and stream-only types", () => {
    expect(() => decodePacket(new Uint8Array(0))).toThrow(DecodeError);
    expect(() => decodePacket(b(0x06, 0x80))).toThrow(DecodeError);
    expect(() => decodePacket(b(0x0d, 0x80))).toThrow(DecodeError);
  });
});
