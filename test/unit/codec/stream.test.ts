import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { encodePushPull } from "../../../src/swim/codec/memberlist-messages.js";
import {
  StreamMessageReader,
  decodeStreamMessage,
  encodeStreamMessage,
} from "../../../src/swim/codec/stream.js";
import type { PushPull, StreamMessage } from "../../../src/swim/codec/types.js";
import { b, fs, hex } from "./helpers.js";

const pushPull: PushPull = {
  kind: "pushPull",
  join: false,
  nodes: Array.from({ length: 3 }, (_, i) => ({
    name: `node-${i}`,
    addr: Uint8Array.of(10, 0, 0, i),
    port: 7946,
    meta: b(0xff, 0x80),
    incarnation: i,
    state: 0 as const,
    vsn: Uint8Array.of(1, 5, 2, 2, 5, 5),
  })),
  userState: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
};

function feedBytewise(bytes: Uint8Array): { msg: StreamMessage | undefined; at: number } {
  const r = new StreamMessageReader();
  for (let i = 0; i < bytes.length; i++) {
    const msg = r.push(bytes.subarray(i, i + 1));
    if (msg !== undefined) return { msg, at: i };
  }
  return { msg: undefined, at: -1 };
}

describe("stream messages", () => {
  it("encodes push/pull plaintext exactly as encodePushPull", () => {
    expect(encodeStreamMessage(pushPull, { compress: false })).toEqual(encodePushPull(pushPull));
  });

  it("returns a push/pull exactly when its last byte arrives (no length prefix, no EOF)", () => {
    const bytes = encodeStreamMessage(pushPull, { compress: false });
    const { msg, at } = feedBytewise(bytes);
    expect(at).toBe(bytes.length - 1);
    expect(msg).toEqual(pushPull);
  });

  it("frames user messages with UserMsgLen on streams", () => {
    const bytes = encodeStreamMessage({ kind: "user", payload: b(1, 2, 3) }, { compress: false });
    expect(hex(bytes)).toBe(hex(b(0x08, 0x81, fs("UserMsgLen"), 0x03, 1, 2, 3)));
    const { msg, at } = feedBytewise(bytes);
    expect(at).toBe(bytes.length - 1);
    expect(msg).toEqual({ kind: "user", payload: b(1, 2, 3) });
  });

  it("reads ping, ackResp and err, one message per stream", () => {
    const msgs: StreamMessage[] = [
      { kind: "ping", seqNo: 4, node: "x" },
      { kind: "ackResp", seqNo: 4, payload: null },
      { kind: "err", error: "no" },
    ];
    for (const m of msgs) {
      const bytes = encodeStreamMessage(m, { compress: false });
      expect(feedBytewise(bytes)).toEqual({ msg: m, at: bytes.length - 1 });
    }
    const r = new StreamMessageReader();
    r.push(encodeStreamMessage(msgs[0]!, { compress: false }));
    expect(r.done).toBe(true);
    expect(() => r.push(b(0))).toThrow(DecodeError);
  });

  it("wraps everything in [9]{Algo,Buf} when compressing, and reads it back", () => {
    const bytes = encodeStreamMessage(pushPull, { compress: true });
    expect(hex(bytes.subarray(0, 8))).toBe(hex(b(0x09, 0x82, fs("Algo"), 0x00)));
    expect(feedBytewise(bytes)).toEqual({ msg: pushPull, at: bytes.length - 1 });
    const user = encodeStreamMessage({ kind: "user", payload: b(9) }, { compress: true });
    expect(decodeStreamMessage(user)).toEqual({ kind: "user", payload: b(9) });
  });

  it("enforces memberlist's limits", () => {
    const header = (nodes: number, len: number) =>
      b(
        0x06,
        0x83,
        fs("Join"),
        0xc2,
        fs("Nodes"),
        0xce,
        nodes >>> 24,
        (nodes >>> 16) & 255,
        (nodes >>> 8) & 255,
        nodes & 255,
        fs("UserStateLen"),
        0xce,
        len >>> 24,
        (len >>> 16) & 255,
        (len >>> 8) & 255,
        len & 255,
      );
    expect(() => new StreamMessageReader().push(header(1024 * 1024 + 1, 0))).toThrow(/node count/);
    expect(() => new StreamMessageReader().push(header(0, 20 * 1024 * 1024 + 1))).toThrow(
      /user state length/,
    );
    expect(new StreamMessageReader().push(header(0, 20 * 1024 * 1024))).toBeUndefined();
    const negative = b(0x06, 0x83, fs("Join"), 0xc2, fs("Nodes"), 0xff, fs("UserStateLen"), 0x00);
    expect(() => new StreamMessageReader().push(negative)).toThrow(DecodeError);
    const userTooBig = b(0x08, 0x81, fs("UserMsgLen"), 0xce, 0x01, 0x40, 0x00, 0x01);
    expect(() => new StreamMessageReader().push(userTooBig)).toThrow(/user message length/);
    const r = new StreamMessageReader({ maxStreamBytes: 100 });
    expect(() => r.push(b(0x00, 0x81, fs("Node"), 0xdb, 0, 0, 1, 0))).not.toThrow();
    expect(() => r.push(new Uint8Array(200))).toThrow(/exceeds 100 bytes/);
    expect(() => r.push(b(0))).toThrow(/already failed/);
  });

  it("refuses types that are not stream messages and incomplete one-shot input", () => {
    expect(() => new StreamMessageReader().push(b(0x03))).toThrow(/not valid on a stream/);
    expect(() => new StreamMessageReader().push(b(0x0a, 0, 0))).toThrow(/encrypted/);
    expect(() => decodeStreamMessage(b(0x06, 0x83))).toThrow(/incomplete/);
    expect(new StreamMessageReader().push(new Uint8Array(0))).toBeUndefined();
  });
});
