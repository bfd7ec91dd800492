import { describe, expect, it } from "vitest";
import { utf8Decode, utf8Encode, utf8Length } from "../../../src/swim/codec/utf8.js";

const samples = [
  "",
  "agentA",
  "é",
  "日本語",
  "emoji 🐟 fish",
  "\u0000\u007f\u0080\u07ff\u0800\uffff",
  "a".repeat(10_000),
];

describe("utf8", () => {
  it("matches TextEncoder/TextDecoder for well-formed strings", () => {
    for (const s of samples) {
      const expected = new TextEncoder().encode(s);
      expect(utf8Encode(s)).toEqual(expected);
      expect(utf8Length(s)).toBe(expected.length);
      expect(utf8Decode(expected)).toBe(s);
    }
  });

  it("round-trips arbitrary (invalid) byte strings exactly, as Go strings allow", () => {
    const cases = [
      [0xff],
      [0x80, 0x41],
      [0xc0, 0x80], // overlong NUL
      [0xed, 0xa0, 0x80], // encoded surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xe6, 0x97], // truncated sequence
      [0x61, 0xf0, 0x9f, 0x90, 0x9f, 0xfe],
    ];
    for (const c of cases) {
      const bytes = Uint8Array.from(c);
      const s = utf8Decode(bytes);
      expect(utf8Encode(s)).toEqual(bytes);
      expect(utf8Length(s)).toBe(bytes.length);
    }
    // Every single byte value survives.
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(utf8Encode(utf8Decode(all))).toEqual(all);
  });

  it("escapes invalid bytes as U+DC80..U+DCFF and replaces other lone surrogates with U+FFFD", () => {
    expect(utf8Decode(Uint8Array.of(0xff))).toBe("\udcff");
    expect(utf8Encode("\ud800")).toEqual(Uint8Array.of(0xef, 0xbf, 0xbd));
  });

  it("decodes a sub-range", () => {
    expect(utf8Decode(Uint8Array.of(0x61, 0x62, 0x63, 0x64), 1, 3)).toBe("bc");
  });

  it("hands back the right short ASCII string even when the decode cache's slots collide", () => {
    // 20,000 distinct names over a 4,096-slot cache: many share a slot, and names of equal
    // length differing in one byte must never be confused.
    const names = Array.from({ length: 20_000 }, (_, i) => `node-${i.toString(36).padStart(4, "0")}`);
    for (let round = 0; round < 2; round++) {
      for (const name of names) expect(utf8Decode(utf8Encode(name))).toBe(name);
    }
    // The same bytes at another offset of a larger buffer decode the same.
    const framed = utf8Encode("xxshoal-0042yy");
    expect(utf8Decode(framed, 2, 12)).toBe("shoal-0042");
    expect(utf8Decode(framed, 2, 11)).toBe("shoal-004");
  });
});
