import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { encodeMessage } from "../../../src/swim/codec/memberlist-messages.js";
import { decodePacket, encodePacket } from "../../../src/swim/codec/packet.js";
import { StreamMessageReader, encodeStreamMessage } from "../../../src/swim/codec/stream.js";
import type { StreamMessage } from "../../../src/swim/codec/types.js";
import { packetMessage, streamMessage } from "./arbitraries.js";

/** Splits `bytes` at the given (sorted, deduplicated) cut points. */
function chunks(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

function feed(parts: readonly Uint8Array[]): { msg: StreamMessage | undefined; lastChunk: number } {
  const reader = new StreamMessageReader();
  for (const [i, part] of parts.entries()) {
    const msg = reader.push(part);
    if (msg !== undefined) return { msg, lastChunk: i };
  }
  return { msg: undefined, lastChunk: -1 };
}

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

describe("stream reader", () => {
  it("reassembles every stream message from random chunkings, exactly at its last byte", () => {
    fc.assert(
      fc.property(streamMessage, fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }), (m, compress, cuts) => {
        const bytes = encodeStreamMessage(m, { compress });
        const parts = chunks(bytes, cuts);
        let last = parts.length - 1;
        while (last > 0 && parts[last]!.length === 0) last--;
        const { msg, lastChunk } = feed(parts);
        expect(msg).toEqual(m);
        expect(lastChunk).toBe(last);
      }),
      { numRuns: 500 },
    );
  });

  it("throws only DecodeError on mutated or random streams", () => {
    fc.assert(
      fc.property(
        streamMessage,
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (m, compress, flips, cut, cuts) => {
          const bytes = encodeStreamMessage(m, { compress }).slice();
          for (const [i, v] of flips) bytes[i % bytes.length] = v;
          onlyDecodeErrors(() => feed(chunks(bytes.subarray(0, cut % (bytes.length + 1)), cuts)));
        },
      ),
      { numRuns: 800 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyDecodeErrors(() => feed([bytes]));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("packet pipeline", () => {
  it("round-trips any list of messages through every option combination", () => {
    fc.assert(
      fc.property(
        fc.array(packetMessage, { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        fc.boolean(),
        (msgs, compress, crc) => {
          const pkt = encodePacket(msgs.map(encodeMessage), { compress, crc });
          expect(decodePacket(pkt)).toEqual(msgs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("throws only DecodeError on mutated or random packets", () => {
    fc.assert(
      fc.property(
        fc.array(packetMessage, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (msgs, compress, crc, flips, cut) => {
          const pkt = encodePacket(msgs.map(encodeMessage), { compress, crc }).slice();
          for (const [i, v] of flips) pkt[i % pkt.length] = v;
          onlyDecodeErrors(() => decodePacket(pkt.subarray(0, cut % (pkt.length + 1))));
        },
      ),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyDecodeErrors(() => decodePacket(bytes));
      }),
      { numRuns: 3000 },
    );
  });
});
