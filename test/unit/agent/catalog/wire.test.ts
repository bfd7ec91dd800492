import { describe, expect, it } from "vitest";
import {
  decodeFullState,
  decodeUpdate,
  encodeFullState,
  encodeUpdate,
} from "../../../../src/agent/catalog/wire.js";
import { FragmentAssembler, splitMessage } from "../../../../src/agent/catalog/wire-fragments.js";
import { DecodeError } from "../../../../src/errors.js";
import { check, service, store } from "./helpers.js";

const encoder = new TextEncoder();

function framed(kind: number, json: string): Uint8Array {
  return new Uint8Array([kind, ...encoder.encode(json)]);
}

describe("catalog wire encoding", () => {
  it("round-trips an update with every service field", () => {
    const a = store("a");
    const update = a.putLocalService(
      service("web-1", "web", {
        Tags: ["v1", "primary"],
        Meta: { env: "prod", __proto__: "x" },
        Port: 8080,
        Address: "10.0.0.9",
        TaggedAddresses: { lan: { Address: "10.0.0.9", Port: 8080 } },
        Weights: { Passing: 3, Warning: 1 },
        EnableTagOverride: true,
      }),
      [check("c1", "warning", "slow"), check("c2")],
    );
    const bytes = encodeUpdate(update);
    expect(decodeUpdate(bytes)).toEqual(update);
    expect(bytes.length).toBeLessThan(450);
  });

  it("round-trips tombstones, node entries and full state", () => {
    const a = store("a");
    a.putLocalService(service("web"), []);
    const tomb = a.removeLocalService("web")!;
    expect(decodeUpdate(encodeUpdate(tomb))).toEqual(tomb);
    const node = a.putLocalNodeChecks([check("_node_maintenance", "critical")]);
    expect(decodeUpdate(encodeUpdate(node))).toEqual(node);
    const state = a.fullState();
    expect(decodeFullState(encodeFullState(state))).toEqual(state);
  });

  it("throws only DecodeError on bad bytes", () => {
    const bad: Uint8Array[] = [
      new Uint8Array(),
      new Uint8Array([1]),
      new Uint8Array([9, 1, 2]),
      framed(1, "{"),
      framed(1, "null"),
      framed(1, '{"n":"a","a":"x","e":{"i":"w","g":-1,"c":0,"s":null,"k":[]}}'),
      framed(
        1,
        '{"n":"a","a":"x","e":{"i":"","g":1,"c":0,"s":{"n":"x","t":[],"m":{},"p":1,"a":"","w":[1,1],"o":false},"k":[]}}',
      ),
      framed(1, '{"n":"a","a":"x","e":{"i":"w","g":1,"c":0,"s":null,"k":[["c","n","bogus","","",""]]}}'),
      framed(1, '{"n":"a","a":"x","e":{"i":"w","g":1,"c":0,"s":null,"k":[["c","n","passing","","",""]]}}'),
      new Uint8Array([1, 0xff, 0xfe]),
      framed(3, '{"f":"a","n":[]}'),
    ];
    for (const bytes of bad) {
      expect(() => decodeUpdate(bytes)).toThrow(DecodeError);
      expect(() => decodeFullState(bytes)).toThrow(DecodeError);
    }
  });
});

describe("catalog fragments", () => {
  it("splits a large update and reassembles it in any order", () => {
    const a = store("a");
    const update = a.putLocalService(service("big", "big", { Meta: { blob: "x".repeat(500) } }), [
      check("c", "critical", "y".repeat(4000)),
    ]);
    const message = encodeUpdate(update);
    const parts = splitMessage(message, "k", 1000);
    expect(parts.length).toBeGreaterThan(4);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    const assembler = new FragmentAssembler();
    const shuffled = [...parts].reverse();
    const results = shuffled.map((p) => assembler.add(p));
    expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
    expect(decodeUpdate(results.at(-1)!)).toEqual(update);
    expect(assembler.size).toBe(0);
  });

  it("leaves a small message whole", () => {
    const message = new Uint8Array(100);
    expect(splitMessage(message, "k", 1000)).toEqual([message]);
  });

  it("ignores duplicate fragments, bounds partial state and rejects malformed ones", () => {
    const parts = splitMessage(new Uint8Array(3000).fill(7), "k", 500);
    const assembler = new FragmentAssembler(2);
    assembler.add(parts[0]!);
    assembler.add(parts[0]!);
    for (const key of ["x", "y", "z"]) assembler.add(splitMessage(new Uint8Array(3000), key, 500)[0]!);
    expect(assembler.size).toBe(2);
    expect(() => assembler.add(new Uint8Array([2, 0]))).toThrow(DecodeError);
    expect(() => assembler.add(new Uint8Array([2, 0, 5, 0, 1, 0, 0]))).toThrow(DecodeError);
    expect(() => assembler.add(new Uint8Array([2, 0, 0, 0, 1, 0, 50, 1]))).toThrow(DecodeError);
  });
});
