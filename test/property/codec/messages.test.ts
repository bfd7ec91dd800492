import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { decodeMessage, encodeMessage } from "../../../src/swim/codec/memberlist-messages.js";
import {
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyResponse,
  decodeSerfMessage,
  encodeCoordinatePayload,
  encodeFilter,
  encodeKeyResponse,
  encodeSerfMessage,
} from "../../../src/swim/codec/serf-messages.js";
import { decodeTags, encodeTags } from "../../../src/swim/codec/tags.js";
import { goString, packetMessage, serfMessage } from "./arbitraries.js";

/** Runs `fn` and fails the property if it throws anything but DecodeError. */
function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

describe("codec round trips", () => {
  it("every memberlist packet message survives encode/decode", () => {
    fc.assert(
      fc.property(packetMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it("every Serf message survives encode/decode, and re-encoding is byte-identical", () => {
    fc.assert(
      fc.property(serfMessage, (m) => {
        const enc = encodeSerfMessage(m);
        const dec = decodeSerfMessage(enc);
        expect(dec).toEqual(m);
        expect(encodeSerfMessage(dec)).toEqual(enc);
      }),
      { numRuns: 1000 },
    );
  });

  it("filters, key responses, coordinates and tags round-trip", () => {
    fc.assert(
      fc.property(
        fc.array(goString, { maxLength: 5 }),
        goString,
        goString,
        fc.array(fc.double({ noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.dictionary(goString, goString, { maxKeys: 5 }),
        (nodes, tag, expr, vec, tags) => {
          expect(decodeFilter(encodeFilter({ kind: "node", nodes }))).toEqual({ kind: "node", nodes });
          expect(decodeFilter(encodeFilter({ kind: "tag", tag, expr }))).toEqual({ kind: "tag", tag, expr });
          const kr = { result: true, message: expr, keys: nodes, primaryKey: tag };
          expect(decodeKeyResponse(encodeKeyResponse(kr))).toEqual(kr);
          const coord = { vec, error: vec[0]!, adjustment: vec[1]!, height: vec[2]! };
          expect(decodeCoordinatePayload(encodeCoordinatePayload(coord))).toEqual(coord);
          let meta: Uint8Array | undefined;
          try {
            meta = encodeTags(tags);
          } catch {
            return; // over 512 bytes
          }
          expect({ ...decodeTags(meta) }).toEqual({ ...tags });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("decoders on hostile bytes throw only DecodeError", () => {
  const mutated = (gen: fc.Arbitrary<Uint8Array>) =>
    fc
      .tuple(gen, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
      .map(([bytes, flips, cut]) => {
        const out = bytes.slice();
        for (const [i, v] of flips) if (out.length > 0) out[i % out.length] = v;
        return out.subarray(0, out.length === 0 ? 0 : cut % (out.length + 1));
      });

  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyDecodeErrors(() => decodeMessage(bytes));
        onlyDecodeErrors(() => decodeSerfMessage(bytes));
        onlyDecodeErrors(() => decodeTags(bytes));
        onlyDecodeErrors(() => decodeFilter(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("mutated valid messages", () => {
    fc.assert(
      fc.property(
        mutated(packetMessage.map(encodeMessage)),
        mutated(serfMessage.map(encodeSerfMessage)),
        (p, s) => {
          onlyDecodeErrors(() => decodeMessage(p));
          onlyDecodeErrors(() => decodeSerfMessage(s));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
