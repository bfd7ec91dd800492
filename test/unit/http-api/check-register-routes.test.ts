import { describe, expect, it } from "vitest";
import type { RegistrySnapshot } from "../../../src/agent/catalog/local-registry.js";
import { service } from "../agent/catalog/helpers.js";
import { fixture, json } from "./helpers.js";

interface Check {
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  Type: string;
}

interface HealthEntry {
  Service: { ID: string };
  Checks: Check[];
}

async function withWeb() {
  const f = await fixture();
  expect((await f.put("/v1/agent/service/register", { Name: "web", Port: 80 })).statusCode).toBe(200);
  return f;
}

/** A JSON round trip, as the registrations store writes and reads it. */
function persisted(snapshot: RegistrySnapshot): RegistrySnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as RegistrySnapshot;
}

describe("PUT /v1/agent/check/register", () => {
  it("attaches a check with ServiceID to that service", async () => {
    const { put, get } = await withWeb();
    const response = await put("/v1/agent/check/register", {
      Name: "web alive",
      CheckID: "web-ttl",
      ServiceID: "web",
      Notes: "reported by the app",
      TTL: "30s",
      Status: "passing",
    });
    expect(response.statusCode).toBe(200);
    const checks = json<Record<string, Check>>(await get("/v1/agent/checks"));
    expect(checks["web-ttl"]).toMatchObject({
      Name: "web alive",
      Status: "passing",
      Notes: "reported by the app",
      ServiceID: "web",
      ServiceName: "web",
      Type: "ttl",
    });
    const [entry] = json<HealthEntry[]>(await get("/v1/health/service/web"));
    expect(entry?.Checks.map((c) => c.CheckID)).toEqual(["serfHealth", "web-ttl"]);
    // The TTL endpoints drive it like a check registered with the service.
    expect((await put("/v1/agent/check/warn/web-ttl?note=slow")).statusCode).toBe(200);
    expect(json<Record<string, Check>>(await get("/v1/agent/checks"))["web-ttl"]).toMatchObject({
      Status: "warning",
      Output: "slow",
    });
  });

  it("registers a node-level check without ServiceID, counted for every service of the node", async () => {
    const { put, get, agent } = await withWeb();
    await put("/v1/agent/service/register", { Name: "db", Port: 5432 });
    const response = await put("/v1/agent/check/register", {
      name: "disk",
      ttl: "1m",
      status: "warning",
      notes: "snake_case keys work too",
    });
    expect(response.statusCode).toBe(200);
    const checks = json<Record<string, Check>>(await get("/v1/agent/checks"));
    // Consul uses the name as the ID when none is given.
    expect(checks["disk"]).toMatchObject({ Name: "disk", Status: "warning", ServiceID: "", ServiceName: "" });
    const node = json<Check[]>(await get(`/v1/health/node/${agent.catalog.nodeName}`));
    expect(node.map((c) => c.CheckID)).toEqual(["serfHealth", "disk"]);
    for (const service of ["web", "db"]) {
      const [entry] = json<HealthEntry[]>(await get(`/v1/health/service/${service}`));
      expect(entry?.Checks.map((c) => c.CheckID)).toEqual(["serfHealth", "disk"]);
    }
    expect(json<unknown[]>(await get("/v1/health/service/web?passing"))).toEqual([]);
  });

  it("keeps a node-level check alongside node maintenance", async () => {
    const { put, get } = await withWeb();
    await put("/v1/agent/check/register", { Name: "disk", TTL: "1m", Status: "passing" });
    await put("/v1/agent/maintenance?enable=true&reason=patching");
    expect(Object.keys(json<object>(await get("/v1/agent/checks")))).toEqual(["_node_maintenance", "disk"]);
    await put("/v1/agent/maintenance?enable=false");
    expect(Object.keys(json<object>(await get("/v1/agent/checks")))).toEqual(["disk"]);
  });

  it("accepts HTTP and TCP checks with Consul's fields", async () => {
    const { put, get } = await withWeb();
    const http = await put("/v1/agent/check/register", {
      Name: "api",
      ID: "api-http",
      ServiceID: "web",
      HTTP: "http://127.0.0.1:1/health",
      Method: "HEAD",
      Header: { "X-Probe": ["shoal"] },
      Interval: "1h",
      Timeout: "1s",
      DeregisterCriticalServiceAfter: "10m",
      SuccessBeforePassing: 2,
      FailuresBeforeCritical: 3,
    });
    expect(http.statusCode).toBe(200);
    const tcp = await put("/v1/agent/check/register", { Name: "port", TCP: "127.0.0.1:1", Interval: "1h" });
    expect(tcp.statusCode).toBe(200);
    const checks = json<Record<string, Check>>(await get("/v1/agent/checks"));
    expect(checks["api-http"]).toMatchObject({ Type: "http", ServiceID: "web", Status: "critical" });
    expect(checks["port"]).toMatchObject({ Type: "tcp", ServiceID: "" });
  });

  it("re-registering a check keeps its status, and a service re-registration keeps it", async () => {
    const { put, get } = await withWeb();
    await put("/v1/agent/check/register", { Name: "t", ServiceID: "web", TTL: "1m" });
    await put("/v1/agent/check/pass/t");
    await put("/v1/agent/check/register", { Name: "t", ServiceID: "web", TTL: "2m", Notes: "v2" });
    await put("/v1/agent/service/register", { Name: "web", Port: 81 });
    expect(json<Record<string, Check>>(await get("/v1/agent/checks"))["t"]).toMatchObject({
      Status: "passing",
      Notes: "v2",
    });
    // replace-existing-checks drops checks absent from the service registration, as in Consul.
    await put("/v1/agent/service/register?replace-existing-checks", { Name: "web", Port: 81 });
    expect(json<object>(await get("/v1/agent/checks"))).toEqual({});
  });

  it.each([
    [{ TTL: "10s" }, 400, "Missing check name"],
    [{ Name: "x" }, 400, "one of HTTP, TCP or TTL"],
    [{ Name: "x", TTL: "10s", TCP: "127.0.0.1:1" }, 400, "only one of HTTP, TCP or TTL"],
    [{ Name: "x", TTL: "soon" }, 400, "TTL"],
    [{ Name: "x", HTTP: "http://127.0.0.1/" }, 400, "Interval must be > 0"],
    [{ Name: "x", TTL: "10s", Status: "fine" }, 400, 'Invalid check status: "fine"'],
    [{ Name: "x", TTL: "10s", ServiceID: 7 }, 400, "ServiceID must be a string"],
    [{ Name: "x", Args: ["/bin/true"], Interval: "10s" }, 400, "Args checks are not supported"],
    [
      { Name: "x", TCP: "127.0.0.1:1", Interval: "1s", SuccessBeforePassing: -1 },
      400,
      "SuccessBeforePassing",
    ],
    [{ Name: "serfHealth", TTL: "10s" }, 400, "reserved"],
    [{ Name: "x", CheckID: "_node_maintenance", TTL: "10s" }, 400, "reserved"],
    [{ Name: "x", TTL: "10s", ServiceID: "nope" }, 404, 'ServiceID "nope" does not exist'],
    [[], 400, "must be object"],
    ["{not json", 400, "Request decode failed"],
  ])("refuses %j with %i", async (body, status, message) => {
    const { put } = await withWeb();
    const response = await put("/v1/agent/check/register", body);
    expect(response.statusCode).toBe(status);
    expect(response.body).toContain(message);
  });

  it("refuses an empty body and a check ID owned by another service or the node", async () => {
    const { put } = await withWeb();
    const empty = await put("/v1/agent/check/register");
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain("empty body");
    await put("/v1/agent/service/register", { Name: "db", Check: { CheckID: "shared", TTL: "1m" } });
    const taken = await put("/v1/agent/check/register", { Name: "shared", ServiceID: "web", TTL: "1m" });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toContain('already used by service "db"');
    await put("/v1/agent/check/register", { Name: "node-check", TTL: "1m" });
    const byNode = await put("/v1/agent/check/register", { Name: "node-check", ServiceID: "web", TTL: "1m" });
    expect(byNode.statusCode).toBe(400);
    expect(byNode.body).toContain("already used by the node");
    const service = await put("/v1/agent/service/register", {
      Name: "api",
      Check: { CheckID: "node-check", TTL: "1m" },
    });
    expect(service.statusCode).toBe(400);
    expect(service.body).toContain("already used by the node");
  });
});

describe("PUT /v1/agent/check/deregister/:id", () => {
  it("removes a service check and a node-level check", async () => {
    const { put, get, agent } = await withWeb();
    await put("/v1/agent/check/register", { Name: "t", ServiceID: "web", TTL: "1m" });
    await put("/v1/agent/check/register", { Name: "disk", TTL: "1m" });
    expect((await put("/v1/agent/check/deregister/t")).statusCode).toBe(200);
    expect((await put("/v1/agent/check/deregister/disk")).statusCode).toBe(200);
    expect(json<object>(await get("/v1/agent/checks"))).toEqual({});
    expect(agent.registry.snapshot().nodeChecks).toBeUndefined();
    expect(agent.registry.definition("web")?.checks).toEqual([]);
    // The service stays.
    expect((await get("/v1/agent/service/web")).statusCode).toBe(200);
  });

  it("answers 404 for unknown and agent-owned check IDs", async () => {
    const { put } = await withWeb();
    const unknown = await put("/v1/agent/check/deregister/nope");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('Unknown check ID "nope"');
    await put("/v1/agent/maintenance?enable=true");
    expect((await put("/v1/agent/check/deregister/_node_maintenance")).statusCode).toBe(404);
    expect((await put("/v1/agent/check/deregister/serfHealth")).statusCode).toBe(404);
  });

  it("answers 405 to GET", async () => {
    const { get } = await withWeb();
    expect((await get("/v1/agent/check/deregister/x")).statusCode).toBe(405);
  });
});

describe("registered checks persist", () => {
  it("restores service and node-level checks from the registry snapshot", async () => {
    const first = await withWeb();
    await first.put("/v1/agent/check/register", {
      Name: "t",
      ServiceID: "web",
      TTL: "1m",
      Status: "passing",
    });
    await first.put("/v1/agent/check/register", {
      Name: "port",
      CheckID: "node-port",
      TCP: "127.0.0.1:1",
      Interval: "1h",
      Notes: "n",
    });
    await first.put("/v1/agent/maintenance?enable=true&reason=r");
    const snapshot = persisted(first.agent.registry.snapshot());

    const second = await fixture();
    second.agent.registry.restore(snapshot);
    const checks = json<Record<string, Check>>(await second.get("/v1/agent/checks"));
    expect(Object.keys(checks)).toEqual(["_node_maintenance", "node-port", "t"]);
    expect(checks["t"]).toMatchObject({ ServiceID: "web", Status: "passing" });
    expect(checks["node-port"]).toMatchObject({ ServiceID: "", Type: "tcp", Notes: "n" });
    expect(persisted(second.agent.registry.snapshot())).toEqual(snapshot);
    // Restored checks are live: the TTL endpoints and deregistration reach them.
    expect((await second.put("/v1/agent/check/fail/t")).statusCode).toBe(200);
    expect((await second.put("/v1/agent/check/deregister/node-port")).statusCode).toBe(200);
  });

  it("still loads a snapshot written before node-level checks existed", async () => {
    const f = await fixture();
    const old = {
      services: [
        {
          service: service("web"),
          checks: [],
        },
      ],
      serviceMaintenance: {},
    } satisfies RegistrySnapshot;
    f.agent.registry.restore(old);
    expect(Object.keys(json<object>(await f.get("/v1/agent/services")))).toEqual(["web"]);
    expect(f.agent.registry.snapshot()).toEqual(old);
  });
});
