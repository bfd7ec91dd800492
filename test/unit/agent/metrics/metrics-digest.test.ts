import { describe, expect, it } from "vitest";
import { DelayHistogram } from "../../../../src/agent/metrics/delay-histogram.js";
import { membershipDigest } from "../../../../src/agent/metrics/membership-digest.js";
import { originVersions, versionText } from "../../../../src/agent/metrics/origin-versions.js";

describe("membershipDigest", () => {
  const a = { name: "a", incarnation: 1, status: "alive" };
  const b = { name: "b", incarnation: 3, status: "alive" };

  it("does not depend on the order members are listed in", () => {
    expect(membershipDigest([a, b])).toBe(membershipDigest([b, a]));
  });

  it("changes with a member's incarnation or status", () => {
    const base = membershipDigest([a, b]);
    expect(membershipDigest([a, { ...b, incarnation: 4 }])).not.toBe(base);
    expect(membershipDigest([a, { ...b, status: "failed" }])).not.toBe(base);
    expect(membershipDigest([a])).not.toBe(base);
  });

  it("cannot be fooled by moving characters between fields", () => {
    expect(membershipDigest([{ name: "a1", incarnation: 1, status: "alive" }])).not.toBe(
      membershipDigest([{ name: "a", incarnation: 11, status: "alive" }]),
    );
  });
});

describe("DelayHistogram", () => {
  it("counts cumulatively per bucket and keeps sum and max", () => {
    const h = new DelayHistogram();
    for (const d of [3, 40, 40, 700, 60_000, -5]) h.observe(d);
    const json = h.toJson();
    expect(json.Count).toBe(6);
    expect(json.MaxMs).toBe(60_000);
    expect(json.SumMs).toBe(3 + 40 + 40 + 700 + 60_000);
    const le = (bound: number | "+Inf"): number | undefined =>
      json.Buckets.find((b) => b.LeMs === bound)?.Count;
    expect(le(5)).toBe(2); // 3 and the negative (clock skew) as 0
    expect(le(50)).toBe(4);
    expect(le(1_000)).toBe(5);
    expect(le("+Inf")).toBe(6);
  });
});

describe("originVersions", () => {
  it("takes the newest version per origin, tombstones included", () => {
    const entry = (id: string, generation: number, counter: number) => ({
      id,
      version: { generation, counter },
      service: null,
      checks: [],
    });
    const versions = originVersions({
      from: "x",
      fromVersion: { generation: 1, counter: 1 },
      nodes: [
        { node: "n2", address: "", entries: [entry("a", 1, 9), entry("b", 2, 1)] },
        { node: "n1", address: "", entries: [entry("a", 1, 4)] },
        { node: "n3", address: "", entries: [] },
      ],
    });
    expect([...versions.keys()]).toEqual(["n1", "n2"]);
    expect(versionText(versions.get("n2") ?? { generation: 0, counter: 0 })).toBe("2.1");
  });
});
