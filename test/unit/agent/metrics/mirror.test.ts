import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { mirrorCounter, mirrorGauge, type Samples } from "../../../../src/agent/metrics/mirror.js";

describe("mirrorCounter and mirrorGauge", () => {
  it("copy the samples read at each scrape, dropping label sets no longer read", async () => {
    const registry = new Registry();
    let samples: Samples = [
      [{ kind: "a" }, 3],
      [{ kind: "b" }, 1],
    ];
    mirrorCounter(registry, "test_total", "A counter.", ["kind"], () => samples);
    mirrorGauge(registry, "test_depth", "A gauge.", ["kind"], () => samples);
    const first = await registry.getMetricsAsJSON();
    expect(first.map((m) => [m.name, m.type, m.values.map((v) => [v.labels["kind"], v.value])])).toEqual([
      [
        "test_total",
        "counter",
        [
          ["a", 3],
          ["b", 1],
        ],
      ],
      [
        "test_depth",
        "gauge",
        [
          ["a", 3],
          ["b", 1],
        ],
      ],
    ]);
    samples = [[{ kind: "a" }, 5]];
    const second = await registry.getMetricsAsJSON();
    expect(second.map((m) => m.values.map((v) => [v.labels["kind"], v.value]))).toEqual([
      [["a", 5]],
      [["a", 5]],
    ]);
  });
});
