import { describe, expect, it } from "vitest";
import { DecodeError, EncodeError } from "../../../src/errors.js";
import { decodeCompound, encodeCompound, encodeCompounds } from "../../../src/swim/codec/compound.js";
import { crc32 } from "../../../src/swim/codec/crc32.js";
import { addLabel, stripLabel } from "../../../src/swim/codec/label.js";
import { b, hex } from "./helpers.js";

describe("crc32", () => {
  it("is CRC-32/IEEE (check value of '123456789' is cbf43926)", () => {
    expect(crc32(b("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(b("xx123456789"), 2)).toBe(0xcbf43926);
  });
});

describe("label", () => {
  it("adds and strips [244][len][label]", () => {
    const out = addLabel("prod", b(1, 2));
    expect(hex(out)).toBe("f4 04 70 72 6f 64 01 02");
    const { label, rest } = stripLabel(out);
    expect(label).toBe("prod");
    expect(Array.from(rest)).toEqual([1, 2]);
  });

  it("leaves unlabelled bytes alone and an empty label adds nothing", () => {
    expect(addLabel("", b(1))).toEqual(b(1));
    expect(stripLabel(b(0, 1)).label).toBe("");
    expect(stripLabel(new Uint8Array(0)).rest.length).toBe(0);
  });

  it("refuses labels over 255 bytes, and empty or truncated headers", () => {
    expect(() => addLabel("x".repeat(256), b())).toThrow(EncodeError);
    expect(addLabel("x".repeat(255), b()).length).toBe(257);
    expect(() => stripLabel(b(244))).toThrow(DecodeError);
    expect(() => stripLabel(b(244, 0, 1))).toThrow(/empty/);
    expect(() => stripLabel(b(244, 5, "ab"))).toThrow(/truncated/);
  });
});

describe("compound", () => {
  it("encodes [7][count][u16 BE lengths][parts] and decodes it", () => {
    const enc = encodeCompound([b(1, 2, 3), b(4)]);
    expect(hex(enc)).toBe("07 02 00 03 00 01 01 02 03 04");
    const { parts, truncated } = decodeCompound(enc);
    expect(truncated).toBe(0);
    expect(parts.map((p) => Array.from(p))).toEqual([[1, 2, 3], [4]]);
  });

  it("keeps complete parts and counts truncated ones, as memberlist does", () => {
    const enc = encodeCompound([b(1, 2, 3), b(4, 5), b(6)]);
    const { parts, truncated } = decodeCompound(enc.subarray(0, enc.length - 2));
    expect(parts.map((p) => Array.from(p))).toEqual([[1, 2, 3]]);
    expect(truncated).toBe(2);
  });

  it("refuses a truncated length table", () => {
    expect(() => decodeCompound(b(7))).toThrow(DecodeError);
    expect(() => decodeCompound(b(7, 3, 0, 1))).toThrow(/length table/);
  });

  it("splits at 255 parts", () => {
    const parts = Array.from({ length: 600 }, (_, i) => b(i & 0xff));
    expect(() => encodeCompound(parts)).toThrow(EncodeError);
    const out = encodeCompounds(parts);
    expect(out.map((c) => c[1])).toEqual([255, 255, 90]);
    const back = out.flatMap((c) => decodeCompound(c).parts.map((p) => p[0]));
    expect(back).toEqual(parts.map((p) => p[0]));
    expect(encodeCompounds([])).toEqual([]);
  });
});
