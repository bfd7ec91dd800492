import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { str, u32 } from "../../../src/swim/codec/go-types.js";
import { MsgpackReader, TruncatedError } from "../../../src/swim/codec/msgpack-reader.js";
import { MsgpackWriter } from "../../../src/swim/codec/msgpack-writer.js";
import { defineStruct } from "../../../src/swim/codec/struct.js";
import type { FieldDef } from "../../../src/swim/codec/struct.js";
import { b, fs } from "./helpers.js";

interface Sample {
  kind: "sample";
  a: number;
  b: string;
  c?: string;
  d: number;
}

/** Declared out of order on purpose: the wire order is Go's sorted key order A, B, C, D. */
const sample = defineStruct<Sample>(
  "sample",
  [
    { go: "D", key: "d", codec: u32 },
    { go: "B", key: "b", codec: str },
    { go: "C", key: "c", codec: str, omitEmpty: true },
    { go: "A", key: "a", codec: u32 },
  ],
  { kind: "sample" },
);

const decode = (bytes: Uint8Array): Sample => sample.decode(new MsgpackReader(bytes));
/** Own keys in order with their values, so a test also pins the decoded object's layout. */
const entries = (o: object): [string, unknown][] => Object.entries(o);

describe("defineStruct decoding", () => {
  it("reads fields sent in Go's sorted order, constants first", () => {
    const out = decode(b(0x84, fs("A"), 1, fs("B"), fs("x"), fs("C"), fs("y"), fs("D"), 4));
    expect(entries(out)).toEqual([
      ["kind", "sample"],
      ["a", 1],
      ["b", "x"],
      ["c", "y"],
      ["d", 4],
    ]);
  });

  it("zeroes missing fields after the sent ones, leaves a missing omitempty field absent", () => {
    expect(entries(decode(b(0x81, fs("D"), 4)))).toEqual([
      ["kind", "sample"],
      ["d", 4],
      ["a", 0],
      ["b", ""],
    ]);
    expect(entries(decode(b(0x80)))).toEqual([
      ["kind", "sample"],
      ["a", 0],
      ["b", ""],
      ["d", 0],
    ]);
    // Every field that is not omitempty sent, the omitempty one not: nothing to add.
    expect(entries(decode(b(0x83, fs("A"), 1, fs("B"), fs("x"), fs("D"), 4)))).toEqual([
      ["kind", "sample"],
      ["a", 1],
      ["b", "x"],
      ["d", 4],
    ]);
  });

  it("accepts keys in any order, skips unknown ones, reads nil as zero", () => {
    const out = decode(
      b(0x86, fs("D"), 4, fs("Zz"), 0x92, 1, 2, fs("C"), fs("y"), fs("AA"), 7, fs("B"), 0xc0, fs(""), 1),
    );
    expect(entries(out)).toEqual([
      ["kind", "sample"],
      ["d", 4],
      ["c", "y"],
      ["b", ""],
      ["a", 0],
    ]);
  });

  it("duplicate keys: the last value wins, nil zeroes a field and removes an omitempty one", () => {
    expect(decode(b(0x83, fs("A"), 1, fs("A"), 2, fs("A"), 3))).toEqual({
      kind: "sample",
      a: 3,
      b: "",
      d: 0,
    });
    expect(decode(b(0x82, fs("A"), 1, fs("A"), 0xc0))).toEqual({ kind: "sample", a: 0, b: "", d: 0 });
    const dropped = decode(b(0x82, fs("C"), fs("y"), fs("C"), 0xc0));
    expect("c" in dropped).toBe(false);
    expect(dropped).toEqual({ kind: "sample", a: 0, b: "", d: 0 });
  });

  it("matches keys sent as str8 as well as fixstr, and refuses non-string keys", () => {
    expect(decode(b(0x82, 0xd9, 1, "A", 5, 0xd9, 1, "D", 6))).toEqual({ kind: "sample", a: 5, b: "", d: 6 });
    expect(() => decode(b(0x81, 0x01, 0x01))).toThrow(/expected a string/);
    expect(() => decode(b(0x81, 0xc4, 1, "A", 1))).toThrow(DecodeError);
  });

  it("throws TruncatedError for a key cut short", () => {
    expect(() => decode(b(0x81, 0xa3, "A"))).toThrow(TruncatedError);
    expect(() => decode(b(0x82, fs("A"), 1))).toThrow(TruncatedError);
    // The reader's end bounds the key, not the buffer behind it.
    const bytes = b(0x81, fs("AB"), 1);
    expect(() => sample.decode(new MsgpackReader(bytes, 0, 3))).toThrow(TruncatedError);
  });

  it("zeroes missing fields of a struct with more fields than a decode tracks in its bitmask", () => {
    type Wide = Record<string, number>;
    const names = Array.from({ length: 40 }, (_, i) => `F${String(i).padStart(2, "0")}`);
    const fields = names.map((go): FieldDef<Wide> => ({
      go,
      key: go.toLowerCase(),
      codec: u32,
      omitEmpty: go === "F35",
    }));
    const wide = defineStruct<Wide>("wide", fields);
    const w = new MsgpackWriter();
    w.mapHeader(3);
    for (const [go, v] of [
      ["F01", 1],
      ["F31", 31],
      ["F39", 39],
    ] as const) {
      w.raw(fs(go));
      w.uint(v);
    }
    const out = wide.decode(new MsgpackReader(w.toBytes()));
    expect(Object.keys(out)).toHaveLength(39);
    expect(out).toMatchObject({ f00: 0, f01: 1, f30: 0, f31: 31, f32: 0, f38: 0, f39: 39 });
    expect("f35" in out).toBe(false);
    // Round trip of a full value.
    const full: Wide = Object.fromEntries(names.map((n, i) => [n.toLowerCase(), i + 1]));
    const w2 = new MsgpackWriter();
    wide.encode(w2, full);
    expect(wide.decode(new MsgpackReader(w2.toBytes()))).toEqual(full);
  });
});
