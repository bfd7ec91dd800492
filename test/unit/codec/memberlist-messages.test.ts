import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { decodeMessage, encodeMessage, encodePushPull } from "../../../src/swim/codec/memberlist-messages.js";
import type { Alive, PushPull } from "../../../src/swim/codec/types.js";
import { b, fs, hex } from "./helpers.js";

/** PROTOCOL.md section 3.2, observed from serf 0.8.2-dev. */
const observedPing = b(
  0x00,
  0x85,
  fs("Node"),
  fs("py"),
  fs("SeqNo"),
  0x01,
  fs("SourceAddr"),
  0xa4,
  0x7f,
  0x00,
  0x00,
  0x01,
  fs("SourceNode"),
  fs("agentA"),
  fs("SourcePort"),
  0xcd,
  0x46,
  0x1a,
);

describe("memberlist messages", () => {
  it("decodes the observed ping", () => {
    expect(decodeMessage(observedPing)).toEqual({
      kind: "ping",
      seqNo: 1,
      node: "py",
      sourceAddr: Uint8Array.of(127, 0, 0, 1),
      sourcePort: 17946,
      sourceNode: "agentA",
    });
  });

  it("encodes the observed ping byte for byte (sorted Go keys)", () => {
    const enc = encodeMessage({
      kind: "ping",
      seqNo: 1,
      node: "py",
      sourceAddr: Uint8Array.of(127, 0, 0, 1),
      sourcePort: 17946,
      sourceNode: "agentA",
    });
    expect(hex(enc)).toBe(hex(observedPing));
  });

  it("omits empty Source* fields (omitempty) and leaves them undefined on decode", () => {
    const enc = encodeMessage({ kind: "ping", seqNo: 7, node: "", sourcePort: 0 });
    expect(hex(enc)).toBe(hex(b(0x00, 0x82, fs("Node"), 0xa0, fs("SeqNo"), 0x07)));
    const dec = decodeMessage(enc);
    expect(dec).toEqual({ kind: "ping", seqNo: 7, node: "" });
    expect("sourceAddr" in dec).toBe(false);
  });

  it("writes Vsn as a 6-byte fixstr and alive keys in Go's sorted order", () => {
    const alive: Alive = {
      kind: "alive",
      incarnation: 3,
      node: "n1",
      addr: Uint8Array.of(10, 0, 0, 1),
      port: 7946,
      meta: b(0xff, 0x80),
      vsn: Uint8Array.of(1, 5, 2, 2, 5, 5),
    };
    const enc = encodeMessage(alive);
    expect(hex(enc)).toBe(
      hex(
        b(
          0x04,
          0x86,
          fs("Addr"),
          0xa4,
          10,
          0,
          0,
          1,
          fs("Incarnation"),
          0x03,
          fs("Meta"),
          0xa2,
          0xff,
          0x80,
          fs("Node"),
          fs("n1"),
          fs("Port"),
          0xcd,
          0x1f,
          0x0a,
          fs("Vsn"),
          0xa6,
          1,
          5,
          2,
          2,
          5,
          5,
        ),
      ),
    );
    expect(decodeMessage(enc)).toEqual(alive);
  });

  it("writes a nil ack payload as nil and keeps nil apart from empty", () => {
    const nilAck = encodeMessage({ kind: "ackResp", seqNo: 9, payload: null });
    expect(hex(nilAck)).toBe(hex(b(0x02, 0x82, fs("Payload"), 0xc0, fs("SeqNo"), 0x09)));
    expect(decodeMessage(nilAck)).toEqual({ kind: "ackResp", seqNo: 9, payload: null });
    const emptyAck = encodeMessage({ kind: "ackResp", seqNo: 9, payload: new Uint8Array(0) });
    expect(decodeMessage(emptyAck)).toEqual({ kind: "ackResp", seqNo: 9, payload: new Uint8Array(0) });
  });

  it("accepts keys in any order, unknown keys, missing keys, nil values and other int widths", () => {
    const bytes = b(
      0x03,
      0x85,
      fs("Zzz"),
      0x92,
      0x01,
      fs("x"), // unknown key with an array value
      fs("From"),
      0xd9,
      0x01,
      "a", // str8 (Go never writes it, but it is valid msgpack)
      fs("Incarnation"),
      0xd3,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5, // int64 form
      fs("Node"),
      0xc0, // nil: zero value
      fs("Extra"),
      0xc0,
    );
    expect(decodeMessage(bytes)).toEqual({ kind: "suspect", incarnation: 5, node: "", from: "a" });
    expect(decodeMessage(b(0x05, 0x80))).toEqual({ kind: "dead", incarnation: 0, node: "", from: "" });
  });

  it("accepts a struct sent as an array in Go declaration order (StructToArray)", () => {
    expect(decodeMessage(b(0x03, 0x93, 0x07, fs("n"), fs("f")))).toEqual({
      kind: "suspect",
      incarnation: 7,
      node: "n",
      from: "f",
    });
    expect(decodeMessage(b(0x0b, 0x92, 0x07, 0x01))).toEqual({ kind: "nackResp", seqNo: 7 });
  });

  it("round-trips every packet message kind", () => {
    const msgs = [
      {
        kind: "indirectPing",
        seqNo: 0xffffffff,
        target: Uint8Array.of(1, 2, 3, 4),
        port: 65535,
        node: "t",
        nack: true,
        sourceAddr: Uint8Array.of(5, 6, 7, 8),
        sourcePort: 1,
        sourceNode: "s",
      },
      { kind: "nackResp", seqNo: 12 },
      { kind: "suspect", incarnation: 1, node: "a", from: "b" },
      { kind: "dead", incarnation: 2, node: "a", from: "a" },
      { kind: "user", payload: Uint8Array.of(1, 9, 9) },
    ] as const;
    for (const m of msgs) expect(decodeMessage(encodeMessage(m))).toEqual(m);
    expect(hex(encodeMessage({ kind: "user", payload: Uint8Array.of(3, 4) }))).toBe("08 03 04");
    expect(hex(encodeMessage({ kind: "err", error: "boom" }))).toBe(
      hex(b(0x0d, 0x81, fs("Error"), fs("boom"))),
    );
  });

  it("throws DecodeError on wrong types, overflow, truncation and unknown message types", () => {
    expect(() => decodeMessage(new Uint8Array(0))).toThrow(DecodeError);
    expect(() => decodeMessage(b(0x00, 0x81, fs("SeqNo"), fs("x")))).toThrow(/integer/);
    expect(() => decodeMessage(b(0x04, 0x81, fs("Port"), 0xce, 0, 1, 0, 0))).toThrow(/overflows/);
    expect(() => decodeMessage(observedPing.subarray(0, 20))).toThrow(DecodeError);
    expect(() => decodeMessage(b(0x06, 0x80))).toThrow(/cannot be decoded/);
    expect(() => decodeMessage(b(0x00, 0x81, 0x01, 0x01))).toThrow(/expected a string/);
  });

  it("encodes the push/pull header as observed: 06 83 Join c3 Nodes 01 UserStateLen cd 024e", () => {
    const pp: PushPull = {
      kind: "pushPull",
      join: true,
      nodes: [
        {
          name: "agentA",
          addr: Uint8Array.of(127, 0, 0, 1),
          port: 7946,
          meta: b(0xff, 0x80),
          incarnation: 1,
          state: 0,
          vsn: Uint8Array.of(1, 5, 2, 2, 5, 5),
        },
      ],
      userState: new Uint8Array(590).fill(7),
    };
    const enc = encodePushPull(pp);
    const header = b(0x06, 0x83, fs("Join"), 0xc3, fs("Nodes"), 0x01, fs("UserStateLen"), 0xcd, 0x02, 0x4e);
    expect(hex(enc.subarray(0, header.length))).toBe(hex(header));
    const node = b(
      0x87,
      fs("Addr"),
      0xa4,
      127,
      0,
      0,
      1,
      fs("Incarnation"),
      0x01,
      fs("Meta"),
      0xa2,
      0xff,
      0x80,
      fs("Name"),
      fs("agentA"),
      fs("Port"),
      0xcd,
      0x1f,
      0x0a,
      fs("State"),
      0x00,
      fs("Vsn"),
      0xa6,
      1,
      5,
      2,
      2,
      5,
      5,
    );
    expect(hex(enc.subarray(header.length, header.length + node.length))).toBe(hex(node));
    expect(enc.length).toBe(header.length + node.length + 590);
  });
});
