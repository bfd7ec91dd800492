import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors.js";
import { FuzzRng, genPacket, mutate } from "../../../src/tools/fuzz-inputs.js";
import { fuzzTarget, packetTarget, runFuzz, streamTarget } from "../../../src/tools/fuzz.js";
import type { FuzzTarget } from "../../../src/tools/fuzz.js";

describe("fuzz harness", () => {
  it("finds no crash in a short seeded run of packets and streams", () => {
    const reports = runFuzz([packetTarget, streamTarget], 3000, 12345);
    expect(reports.map((r) => r.name)).toEqual(["packets", "streams"]);
    expect(reports.map((r) => r.iterations)).toEqual([3000, 300]);
    for (const r of reports) {
      expect(r.crash).toBeUndefined();
      expect(r.rejected).toBeGreaterThan(0);
    }
  });

  it("reports a non-DecodeError as a crash with its input", () => {
    const broken: FuzzTarget = {
      name: "broken",
      weight: 1,
      generate: (rng) => rng.bytes(8),
      decode: (bytes) => {
        if (bytes.length > 4) throw new TypeError("boom");
        throw new DecodeError("fine");
      },
    };
    const report = fuzzTarget(broken, 500, 1);
    expect(report.crash?.error).toBeInstanceOf(TypeError);
    expect(report.crash?.input.length).toBeGreaterThan(4);
  });

  it("treats a valid input that fails to decode as a crash", () => {
    const picky: FuzzTarget = {
      name: "picky",
      weight: 1,
      generate: (rng) => rng.bytes(8),
      decode: () => {
        throw new DecodeError("rejects everything");
      },
    };
    const report = fuzzTarget(picky, 500, 1);
    expect(report.crash?.mutated).toBe(false);
  });

  it("is deterministic for a seed", () => {
    const a = new FuzzRng(99);
    const b = new FuzzRng(99);
    const pa = genPacket(a);
    expect(genPacket(b)).toEqual(pa);
    expect(mutate(a, pa, pa)).toEqual(mutate(b, pa, pa));
  });
});
