import { describe, expect, it } from "vitest";
import { DecodeError, EncodeError } from "../../../src/errors.js";
import { MsgpackReader, TruncatedError } from "../../../src/swim/codec/msgpack-reader.js";
import { MsgpackWriter } from "../../../src/swim/codec/msgpack-writer.js";
import { hex, unhex } from "./helpers.js";

function write(fn: (w: MsgpackWriter) => void): string {
  const w = new MsgpackWriter(16);
  fn(w);
  return hex(w.toBytes());
}

describe("MsgpackWriter (go-msgpack v0.5.5 forms)", () => {
  it.each([
    [0, "00"],
    [127, "7f"],
    [128, "cc 80"],
    [255, "cc ff"],
    [256, "cd 01 00"],
    [17946, "cd 46 1a"],
    [65535, "cd ff ff"],
    [65536, "ce 00 01 00 00"],
    [2_000_000_000, "ce 77 35 94 00"],
    [0xffff_ffff, "ce ff ff ff ff"],
    [0x1_0000_0000, "cf 00 00 00 01 00 00 00 00"],
    [Number.MAX_SAFE_INTEGER, "cf 00 1f ff ff ff ff ff ff"],
  ])("uint %d -> %s", (n, expected) => {
    expect(write((w) => w.uint(n))).toBe(expected);
  });

  it.each([
    [0, "00"],
    [590, "cd 02 4e"],
    [2_000_000_000, "ce 77 35 94 00"],
    [-1, "ff"],
    [-32, "e0"],
    [-33, "d0 df"],
    [-128, "d0 80"],
    [-129, "d1 ff 7f"],
    [-32768, "d1 80 00"],
    [-32769, "d2 ff ff 7f ff"],
    [-2147483648, "d2 80 00 00 00"],
    [-2147483649, "d3 ff ff ff ff 7f ff ff ff"],
  ])("int %d -> %s (unsigned forms when non-negative)", (n, expected) => {
    expect(write((w) => w.int(n))).toBe(expected);
  });

  it("rejects non-integers and unsafe integers", () => {
    const w = new MsgpackWriter();
    expect(() => w.uint(-1)).toThrow(EncodeError);
    expect(() => w.uint(1.5)).toThrow(EncodeError);
    expect(() => w.uint(2 ** 53)).toThrow(EncodeError);
    expect(() => w.int(-(2 ** 53))).toThrow(EncodeError);
  });

  it("writes floats as float64 always, including 0.0", () => {
    expect(write((w) => w.float64(0))).toBe("cb 00 00 00 00 00 00 00 00");
    expect(write((w) => w.float64(1.5))).toBe("cb 3f f8 00 00 00 00 00 00");
  });

  it("writes raw strings as fixstr, then 0xda, then 0xdb, never str8", () => {
    expect(write((w) => w.str(""))).toBe("a0");
    expect(write((w) => w.str("a".repeat(31))).slice(0, 2)).toBe("bf");
    expect(write((w) => w.str("a".repeat(32))).slice(0, 8)).toBe("da 00 20");
    expect(write((w) => w.str("a".repeat(255))).slice(0, 8)).toBe("da 00 ff");
    expect(write((w) => w.bytes(new Uint8Array(65536))).slice(0, 14)).toBe("db 00 01 00 00");
    expect(write((w) => w.bytes(null))).toBe("c0");
    // A 31-character string that is 32+ bytes in UTF-8 must not use fixstr.
    expect(write((w) => w.str("é".repeat(16))).slice(0, 8)).toBe("da 00 20");
  });

  it("writes container headers in their smallest form", () => {
    expect(write((w) => w.mapHeader(15))).toBe("8f");
    expect(write((w) => w.mapHeader(16))).toBe("de 00 10");
    expect(write((w) => w.arrayHeader(512))).toBe("dc 02 00");
    expect(write((w) => w.arrayHeader(70000))).toBe("dd 00 01 11 70");
    expect(write((w) => w.bool(true))).toBe("c3");
  });

  it("grows by doubling and keeps earlier bytes", () => {
    const w = new MsgpackWriter(16);
    for (let i = 0; i < 1000; i++) w.uint(i);
    const r = new MsgpackReader(w.toBytes());
    for (let i = 0; i < 1000; i++) expect(r.readUint()).toBe(i);
    expect(r.remaining).toBe(0);
  });
});

describe("MsgpackReader", () => {
  it.each([
    ["05", 5],
    ["cc 05", 5],
    ["cd 00 05", 5],
    ["ce 00 00 00 05", 5],
    ["cf 00 00 00 00 00 00 00 05", 5],
    ["d0 05", 5],
    ["d1 00 05", 5],
    ["d2 00 00 00 05", 5],
    ["d3 00 00 00 00 00 00 00 05", 5],
    ["ff", -1],
    ["d0 80", -128],
    ["d1 80 00", -32768],
    ["d2 80 00 00 00", -2147483648],
    ["d3 ff ff ff ff ff ff ff fe", -2],
    ["d3 ff e0 00 00 00 00 00 01", -(2 ** 53) + 1],
  ])("readInt accepts %s", (h, n) => {
    const r = new MsgpackReader(unhex(h));
    expect(r.readInt()).toBe(n);
    expect(r.remaining).toBe(0);
  });

  it("refuses integers beyond the safe range", () => {
    expect(() => new MsgpackReader(unhex("cf 00 20 00 00 00 00 00 00")).readUint()).toThrow(DecodeError);
    expect(() => new MsgpackReader(unhex("cf ff ff ff ff ff ff ff ff")).readUint()).toThrow(/exceeds/);
    expect(() => new MsgpackReader(unhex("d3 80 00 00 00 00 00 00 00")).readInt()).toThrow(DecodeError);
  });

  it("readUint refuses negatives and overflow of the field width", () => {
    expect(() => new MsgpackReader(unhex("ff")).readUint()).toThrow(/negative/);
    expect(() => new MsgpackReader(unhex("d0 fe")).readUint()).toThrow(DecodeError);
    expect(() => new MsgpackReader(unhex("ce 00 01 00 00")).readUint(0xffff)).toThrow(/overflows/);
    expect(new MsgpackReader(unhex("d1 01 00")).readUint(0xffff)).toBe(256);
  });

  it("reads bytes from str, str8, bin8/16/32 and nil", () => {
    expect(Array.from(new MsgpackReader(unhex("a2 01 02")).readBytes())).toEqual([1, 2]);
    expect(Array.from(new MsgpackReader(unhex("d9 02 01 02")).readBytes())).toEqual([1, 2]);
    expect(Array.from(new MsgpackReader(unhex("da 00 02 01 02")).readBytes())).toEqual([1, 2]);
    expect(Array.from(new MsgpackReader(unhex("db 00 00 00 02 01 02")).readBytes())).toEqual([1, 2]);
    expect(Array.from(new MsgpackReader(unhex("c4 02 01 02")).readBytes())).toEqual([1, 2]);
    expect(Array.from(new MsgpackReader(unhex("c5 00 02 01 02")).readBytes())).toEqual([1, 2]);
    expect(Array.from(new MsgpackReader(unhex("c6 00 00 00 02 01 02")).readBytes())).toEqual([1, 2]);
    expect(new MsgpackReader(unhex("c0")).readBytes().length).toBe(0);
    expect(new MsgpackReader(unhex("c0")).readBytesOrNull()).toBeNull();
  });

  it("reads strings only from the str family (like Go)", () => {
    expect(new MsgpackReader(unhex("d9 02 68 69")).readString()).toBe("hi");
    expect(() => new MsgpackReader(unhex("c4 02 68 69")).readString()).toThrow(DecodeError);
    expect(() => new MsgpackReader(unhex("01")).readString()).toThrow(/expected a string/);
  });

  it("reads bools from c2/c3 and the fixints 0/1", () => {
    expect(new MsgpackReader(unhex("c3")).readBool()).toBe(true);
    expect(new MsgpackReader(unhex("01")).readBool()).toBe(true);
    expect(new MsgpackReader(unhex("00")).readBool()).toBe(false);
    expect(() => new MsgpackReader(unhex("02")).readBool()).toThrow(DecodeError);
  });

  it("reads floats from float32, float64 and integers", () => {
    expect(new MsgpackReader(unhex("cb 3f f8 00 00 00 00 00 00")).readFloat()).toBe(1.5);
    expect(new MsgpackReader(unhex("ca 3f c0 00 00")).readFloat()).toBe(1.5);
    expect(new MsgpackReader(unhex("03")).readFloat()).toBe(3);
  });

  it("reports truncation with TruncatedError, a DecodeError", () => {
    for (const h of ["", "cd 01", "ce 00 00", "cf 00", "a3 61 62", "da 00", "c4 05 01", "dc 00", "de"]) {
      const r = new MsgpackReader(unhex(h));
      let caught: unknown;
      try {
        r.skip();
      } catch (e) {
        caught = e;
      }
      expect(caught, h).toBeInstanceOf(TruncatedError);
      expect(caught).toBeInstanceOf(DecodeError);
    }
  });

  it("skips every msgpack type", () => {
    const values = [
      "c0",
      "c2",
      "c3",
      "7f",
      "e0",
      "cc 01",
      "cd 00 01",
      "ce 00 00 00 01",
      "cf 00 00 00 00 00 00 00 01",
      "d0 01",
      "d1 00 01",
      "d2 00 00 00 01",
      "d3 00 00 00 00 00 00 00 01",
      "ca 00 00 00 00",
      "cb 00 00 00 00 00 00 00 00",
      "a1 61",
      "d9 01 61",
      "da 00 01 61",
      "db 00 00 00 01 61",
      "c4 01 61",
      "c5 00 01 61",
      "c6 00 00 00 01 61",
      "92 01 02",
      "dc 00 01 01",
      "dd 00 00 00 01 01",
      "81 a1 61 01",
      "de 00 01 a1 61 01",
      "df 00 00 00 01 a1 61 01",
      "d4 01 01",
      "d5 01 01 02",
      "d6 01 00 00 00 00",
      "d7 01 00 00 00 00 00 00 00 00",
      "d8 01" + " 00".repeat(16),
      "c7 01 05 00",
      "c8 00 01 05 00",
      "c9 00 00 00 01 05 00",
    ];
    for (const v of values) {
      const r = new MsgpackReader(unhex(v + " 2a"));
      r.skip();
      expect(r.readUint(), v).toBe(42);
    }
  });

  it("refuses the never-used byte 0xc1 and absurd nesting", () => {
    expect(() => new MsgpackReader(unhex("c1")).skip()).toThrow(/invalid msgpack type byte 0xc1/);
    expect(() => new MsgpackReader(new Uint8Array(100).fill(0x91)).skip()).toThrow(/nesting/);
  });
});
