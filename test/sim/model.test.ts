import { describe, expect, it } from "vitest";
import { modelCurve, modelSummary } from "../../src/swim/sim/model.js";

/** PROTOCOL.md section 4.3, row by row: interval s, fanout, N, loss, failed, t50, t99, t99.99 (s), kbps. */
const TABLE: readonly (readonly [number, number, number, number, number, number, number, number, number])[] =
  [
    [0.2, 3, 30, 0, 0, 0.6, 1.2, 1.8, 328.1],
    [0.2, 3, 100, 0, 0, 0.8, 1.4, 2.0, 328.1],
    [0.2, 3, 1000, 0, 0, 1.0, 1.6, 2.2, 328.1],
    [0.2, 3, 10000, 0, 0, 1.4, 2.0, 2.6, 328.1],
    [0.2, 4, 100, 0, 0, 0.6, 1.0, 1.4, 437.5],
    [0.5, 4, 100, 0, 0, 1.5, 2.5, 3.5, 175.0],
    [0.1, 3, 100, 0, 0, 0.4, 0.7, 1.0, 656.2],
    [0.2, 3, 100, 0.1, 0, 0.8, 1.4, 2.2, 328.1],
    [0.2, 3, 100, 0.5, 0, 1.4, 2.6, 3.8, 328.1],
    [0.2, 3, 100, 0, 0.2, 0.8, 1.6, 2.4, 328.1],
    [0.2, 1, 100, 0, 0, 2.0, 3.8, 5.6, 109.4],
    [1.0, 3, 100, 0, 0, 4, 7, 10, 65.6],
  ];

describe("Serf's logistic model (PROTOCOL.md 4.2)", () => {
  it.each(TABLE)(
    "interval %s s, fanout %s, N %s, loss %s, failed %s → %s / %s / %s s, %s kbps",
    (interval, fanout, nodes, loss, failed, t50, t99, t9999, kbps) => {
      const summary = modelSummary({ intervalMs: interval * 1000, fanout, nodes, loss, failed });
      expect(summary.t50Ms).toBeCloseTo(t50 * 1000, 6);
      expect(summary.t99Ms).toBeCloseTo(t99 * 1000, 6);
      expect(summary.t9999Ms).toBeCloseTo(t9999 * 1000, 6);
      expect(summary.bandwidthKbps).toBe(kbps);
    },
  );

  it("plots one point per round up to 99.99 %", () => {
    const curve = modelCurve({ intervalMs: 200, fanout: 3, nodes: 100 });
    expect(curve.map((p) => p.timeMs)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
    expect(curve[0]!.fraction).toBeCloseTo(1 / 102, 9);
    expect(curve.at(-1)!.fraction).toBeGreaterThanOrEqual(0.9999);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.fraction).toBeGreaterThan(curve[i - 1]!.fraction);
  });
});
