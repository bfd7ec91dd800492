/**
 * Three real agents: `/metrics` and `/v1/agent/metrics?format=prometheus` parse as Prometheus
 * text and carry the named families; the JSON form has Consul's shape; and the convergence
 * digests of all three become equal once a service registration and a user event spread.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startShoalAgent, type ShoalAgent } from "../support/shoal-agent.js";

const FAMILIES = [
  "shoal_members",
  "shoal_health_score",
  "shoal_event_loop_delay_seconds",
  "shoal_probes_total",
  "shoal_probe_failures_total",
  "shoal_probe_rtt_seconds",
  "shoal_suspicions_total",
  "shoal_suspicion_confirmations_total",
  "shoal_suspicion_outcomes_total",
  "shoal_refutations_total",
  "shoal_messages_sent_total",
  "shoal_messages_received_total",
  "shoal_message_bytes_sent_total",
  "shoal_message_bytes_received_total",
  "shoal_broadcast_queue_depth",
  "shoal_broadcast_queue_dropped_total",
  "shoal_inbound_queue_depth",
  "shoal_push_pull_total",
  "shoal_push_pull_bytes_total",
  "shoal_push_pull_duration_seconds",
  "shoal_catalog_index",
  "shoal_catalog_services",
  "shoal_http_requests_total",
  "shoal_propagation_delay_seconds",
];

interface Convergence {
  Members: { Digest: string; Count: number };
  Catalog: { Digest: string; Origins: Record<string, { Version: string; FirstSeenMs: number }> };
  PropagationDelay: { catalog: { Count: number } };
  UserEvents: { Name: string }[];
}

/** Minimal Prometheus text parser: family name to type, and every sample line checked. */
function parsePrometheus(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type?.[1] !== undefined && type[2] !== undefined) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    expect(line).toMatch(
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+|NaN|[+-]Inf$/,
    );
  }
  return types;
}

let agents: ShoalAgent[] = [];

beforeAll(async () => {
  const a = await startShoalAgent({ name: "m1" });
  const b = await startShoalAgent({ name: "m2", join: [`127.0.0.1:${a.port}`] });
  const c = await startShoalAgent({ name: "m3", join: [`127.0.0.1:${a.port}`] });
  agents = [a, b, c];
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.kill()));
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("metrics endpoints", () => {
  it("serves Prometheus text with the named families at /metrics and ?format=prometheus", async () => {
    const [a] = agents as [ShoalAgent];
    await a.get("/v1/agent/self"); // at least one HTTP request counted
    for (const path of ["/metrics", "/v1/agent/metrics?format=prometheus"]) {
      const res = await a.send("GET", path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const types = parsePrometheus(await res.text());
      for (const family of FAMILIES) expect(types.has(family), family).toBe(true);
      expect(types.get("shoal_probe_rtt_seconds")).toBe("histogram");
      expect(types.get("shoal_messages_sent_total")).toBe("counter");
    }
  });

  it("serves Consul's JSON form at /v1/agent/metrics", async () => {
    type ConsulMetrics = {
      Gauges: { Name: string; Value: number }[];
      Counters: { Name: string }[];
      Samples: { Name: string; Count: number }[];
    };
    let body: ConsulMetrics | undefined;
    // A probe round-trip sample exists only once this agent has probed someone: poll for it.
    await waitFor(async () => {
      body = await (agents[0] as ShoalAgent).get<ConsulMetrics>("/v1/agent/metrics");
      return body.Samples.some((s) => s.Name === "shoal_probe_rtt_seconds");
    }, 15_000);
    expect(body?.Gauges.some((g) => g.Name === "shoal_members")).toBe(true);
    expect(body?.Counters.some((c) => c.Name === "shoal_messages_sent_total")).toBe(true);
    expect(body?.Samples.some((s) => s.Name === "shoal_probe_rtt_seconds")).toBe(true);
  });

  it("convergence digests become equal across agents", async () => {
    const [a, b] = agents as [ShoalAgent, ShoalAgent];
    expect((await b.send("PUT", "/v1/agent/service/register", { Name: "web", Port: 80 })).status).toBe(200);
    expect((await a.send("PUT", "/v1/event/fire/deploy?coalesce=false", "x")).status).toBe(200);
    await waitFor(async () => {
      const reports = await Promise.all(agents.map((x) => x.get<Convergence>("/v1/shoal/convergence")));
      const same = (f: (r: Convergence) => string): boolean => new Set(reports.map(f)).size === 1;
      return (
        reports.every((r) => r.Members.Count === 3 && r.UserEvents.some((e) => e.Name === "deploy")) &&
        same((r) => r.Members.Digest) &&
        same((r) => r.Catalog.Digest) &&
        reports.every((r) => r.Catalog.Origins.m2 !== undefined)
      );
    }, 20_000);
    const c = await (agents[2] as ShoalAgent).get<Convergence>("/v1/shoal/convergence");
    expect(c.Catalog.Origins.m2?.FirstSeenMs ?? 0).toBeGreaterThan(0);
  });
});
