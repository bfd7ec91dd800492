/** Consul's JSON form of the metrics must survive values JSON cannot carry (NaN, Infinity). */
import { Gauge, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

describe("GET /v1/agent/metrics", () => {
  it("reports a non-finite gauge as 0 instead of failing the answer", async () => {
    const registry = new Registry();
    new Gauge({ name: "shoal_test_nan", help: "never sampled", registers: [registry] }).set(Number.NaN);
    new Gauge({ name: "shoal_test_inf", help: "min of nothing", registers: [registry] }).set(Infinity);
    const f = await fixture({ registry });
    const response = await f.app.inject({ method: "GET", url: "/v1/agent/metrics" });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ Gauges: { Name: string; Value: number }[] }>();
    expect(body.Gauges.filter((g) => g.Name.startsWith("shoal_test_")).map((g) => g.Value)).toEqual([0, 0]);
  });

  it("writes a never-sampled value as NaN (not prom-client's Nan) in the Prometheus text", async () => {
    const registry = new Registry();
    new Gauge({ name: "shoal_test_nan", help: "never sampled", registers: [registry] }).set(Number.NaN);
    const f = await fixture({ registry });
    for (const url of ["/metrics", "/v1/agent/metrics?format=prometheus"]) {
      const text = (await f.app.inject({ method: "GET", url })).body;
      expect(text).toMatch(/^shoal_test_nan NaN$/m);
      expect(text).not.toMatch(/ Nan$/m);
    }
  });
});
