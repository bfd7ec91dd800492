import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { Keyring } from "../../../src/swim/codec/keyring.js";
import { lzwCompress, lzwDecompress } from "../../../src/swim/codec/lzw.js";
import { openPacket, openStream } from "../../../src/swim/codec/security.js";
import { compressedBuf, loadBytes, loadIndex } from "../../support/serf-fixtures.js";
import { b, hex } from "./helpers.js";

/** Deterministic pseudo-random bytes over a small alphabet (so LZW finds repeats). */
function noise(n: number, alphabet: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 16) % alphabet;
  }
  return out;
}

/**
 * Reads back the code sequence of an LSB LZW stream, tracking the width as Go's reader does
 * (an independent, minimal reader used only to observe the encoder's choices).
 */
function codes(stream: Uint8Array): number[] {
  const out: number[] = [];
  let width = 9;
  let hi = 257;
  let last = -1;
  let bits = 0;
  let nBits = 0;
  let pos = 0;
  for (;;) {
    while (nBits < width) {
      bits |= (stream[pos++] ?? 0) << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;
    out.push(code);
    if (code === 257) return out;
    if (code === 256) {
      width = 9;
      hi = 257;
      last = -1;
      continue;
    }
    last = code;
    hi++;
    if (hi >= 1 << width) {
      if (width === 12) {
        hi--;
        last = -1;
      } else width++;
    }
    void last;
  }
}

describe("lzwDecompress on Go's own test vectors", () => {
  it("decodes Go's LSB/8 'TOBEORNOT…' stream (written before Go emitted a leading clear)", () => {
    const go = b(
      0x54,
      0x9e,
      0x08,
      0x29,
      0xf2,
      0x44,
      0x8a,
      0x93,
      0x27,
      0x54,
      0x04,
      0x12,
      0x34,
      0xb8,
      0xb0,
      0xe0,
      0xc1,
    );
    const stream = b(go, 0x84, 0x01, 0x01);
    expect(Buffer.from(lzwDecompress(stream, 100)).toString()).toBe("TOBEORNOTTOBEORTOBEORNOT");
  });

  it("decodes the GIF example and the empty stream", () => {
    const out = lzwDecompress(b(0x00, 0x51, 0xfc, 0x1b, 0x28, 0x70, 0xa0, 0xc1, 0x83, 0x01, 0x01), 100);
    expect(hex(out)).toBe("28 ff ff ff 28 ff ff ff ff ff ff ff ff ff ff");
    expect(lzwDecompress(b(0x01, 0x01), 10)).toEqual(new Uint8Array(0));
  });

  it("rejects a truncated stream (no end-of-data code)", () => {
    expect(() =>
      lzwDecompress(b(0x54, 0x9e, 0x08, 0x29, 0xf2, 0x44, 0x8a, 0x93, 0x27, 0x54, 0x04), 100),
    ).toThrow(DecodeError);
    expect(() => lzwDecompress(new Uint8Array(0), 100)).toThrow(DecodeError);
  });
});

describe("lzwCompress", () => {
  it("writes a leading clear code and end-of-data like Go 1.17+", () => {
    expect(codes(lzwCompress(new Uint8Array(0)))).toEqual([256, 257]);
    const c = codes(lzwCompress(b("TOBEORNOTTOBEORTOBEORNOT")));
    expect(c[0]).toBe(256);
    expect(c.slice(1, 10)).toEqual(Array.from(b("TOBEORNOT")));
    expect(c.at(-1)).toBe(257);
  });

  it("round-trips inputs of many sizes and alphabets", () => {
    for (const n of [0, 1, 2, 3, 255, 256, 257, 511, 512, 513, 1000, 4096, 20_000]) {
      for (const alphabet of [1, 2, 16, 256]) {
        const input = noise(n, alphabet, n + alphabet);
        const out = lzwDecompress(lzwCompress(input), n);
        expect(out).toEqual(input);
      }
    }
  });

  it("widens from 9 to 12 bits as the dictionary grows", () => {
    // Incompressible-ish data adds one dictionary entry per emitted code.
    const c = codes(lzwCompress(noise(5000, 256, 7)));
    expect(Math.max(...c.filter((x) => x !== 256 && x !== 257))).toBeGreaterThan(2047);
  });

  it("emits a clear code and starts over when the next code would be 4095", () => {
    const input = noise(30_000, 256, 3);
    const c = codes(lzwCompress(input));
    const clears = c.flatMap((x, i) => (x === 256 ? [i] : []));
    expect(clears[0]).toBe(0);
    expect(clears.length).toBeGreaterThan(1);
    // After the leading clear, 258..4094 are defined by 4095 - 258 + 1 = 3838 codes: the
    // clear comes right after code number 3838 of the run (Go never defines code 4095).
    expect(clears[1]! - clears[0]! - 1).toBe(4094 - 258 + 1 + 1);
    expect(c.every((x) => x <= 4094)).toBe(true);
    expect(lzwDecompress(lzwCompress(input), input.length)).toEqual(input);
  });

  it("compresses repetitive data well and quickly", () => {
    const input = new Uint8Array(1 << 20).fill(0x61);
    const t0 = performance.now();
    const c = lzwCompress(input);
    const d = lzwDecompress(c, input.length);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(c.length).toBeLessThan(input.length / 50);
    expect(Buffer.from(d).equals(Buffer.from(input))).toBe(true);
  });
});

describe("lzwDecompress bounds and validation", () => {
  it("refuses output past maxOutputBytes", () => {
    const input = new Uint8Array(10_000).fill(7);
    const c = lzwCompress(input);
    expect(lzwDecompress(c, 10_000)).toHaveLength(10_000);
    expect(() => lzwDecompress(c, 9_999)).toThrow(DecodeError);
    expect(() => lzwDecompress(lzwCompress(b(1)), 0)).toThrow(/exceeds 0 bytes/);
  });

  it("rejects a code that is not yet defined", () => {
    // clear, then code 300 at 9 bits: only literals (and 256/257) are valid first codes.
    const bits = 256 | (300 << 9);
    expect(() => lzwDecompress(b(bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, 0xff), 100)).toThrow(
      /invalid code 300/,
    );
  });

  it("ignores bytes after the end-of-data code, as Go does", () => {
    const c = lzwCompress(b("hello"));
    expect(Buffer.from(lzwDecompress(b(c, 0xde, 0xad), 100)).toString()).toBe("hello");
  });

  it("keeps decoding without learning when a writer never clears (table full)", () => {
    // Hand-made stream: 3838 literal codes fill the table (widening on the way, as a reader
    // must), then two more codes with no clear; Go's reader stops adding entries and goes on.
    const codeList: number[] = [256];
    for (let i = 0; i < 3840; i++) codeList.push(i % 251);
    codeList.push(257);
    let width = 9;
    let hi = 257;
    let acc = 0;
    let n = 0;
    const out: number[] = [];
    for (const code of codeList) {
      acc |= code << n;
      n += width;
      while (n >= 8) {
        out.push(acc & 0xff);
        acc >>>= 8;
        n -= 8;
      }
      if (code === 256) continue;
      hi++;
      if (hi >= 1 << width && width < 12) width++;
    }
    if (n > 0) out.push(acc & 0xff);
    const d = lzwDecompress(Uint8Array.from(out), 10_000);
    expect(Array.from(d)).toEqual(codeList.slice(1, -1));
  });
});

describe("Go-produced bytes from the Serf captures", () => {
  const index = loadIndex();
  const compressed = index.fixtures.filter((f) => f.layers.includes("compress"));

  it("has compressed captures of both transports", () => {
    expect(compressed.some((f) => f.transport === "tcp")).toBe(true);
    expect(compressed.some((f) => f.transport === "udp")).toBe(true);
  });

  for (const f of compressed) {
    it(`${f.file}: decompresses, and re-compressing gives Go's exact bytes`, () => {
      const keyring = f.key === null ? undefined : Keyring.fromBase64([f.key]);
      const raw = loadBytes(f.file);
      const plain = f.transport === "udp" ? openPacket(raw, { keyring }) : openStream(raw, { keyring });
      const buf = compressedBuf(plain);
      expect(buf).toBeDefined();
      const out = lzwDecompress(buf!, 1 << 20);
      // The decompressed payload is a whole memberlist message: a push/pull on streams, a
      // compound or user message in packets.
      expect([6, 7, 8]).toContain(out[0]);
      expect(hex(lzwCompress(out))).toBe(hex(buf!));
    });
  }
});
