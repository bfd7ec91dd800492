import { describe, expect, it } from "vitest";
import { filter, fixture, json } from "./helpers.js";

interface Service {
  ID: string;
  Service: string;
  Port: number;
  Tags: string[];
  Datacenter: string;
  ContentHash?: string;
}

describe("agent service routes", () => {
  it("registers a service with Consul's body and lists it", async () => {
    const { put, get } = await fixture();
    const response = await put("/v1/agent/service/register", {
      Name: "web",
      ID: "web-1",
      Port: 8080,
      Tags: ["v1"],
      Meta: { env: "prod" },
      Check: { TTL: "30s", Status: "passing" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe("");
    const services = json<Record<string, Service>>(await get("/v1/agent/services"));
    expect(services["web-1"]).toMatchObject({ Service: "web", Port: 8080, Tags: ["v1"], Datacenter: "dc1" });
    const one = await get("/v1/agent/service/web-1");
    expect(json<Service>(one).ContentHash).toMatch(/^[0-9a-f]{16}$/);
    expect(one.headers["x-consul-contenthash"]).toBe(json<Service>(one).ContentHash);
  });

  it("accepts snake_case bodies and bodies without a JSON content type", async () => {
    const { put, get } = await fixture();
    expect(
      (await put("/v1/agent/service/register", { name: "db", port: 5432, check: { ttl: "10s" } })).statusCode,
    ).toBe(200);
    expect((await put("/v1/agent/service/register", JSON.stringify({ Name: "raw" }))).statusCode).toBe(200);
    expect(Object.keys(json<object>(await get("/v1/agent/services"))).sort()).toEqual(["db", "raw"]);
  });

  it("filters /v1/agent/services", async () => {
    const { put, get } = await fixture();
    await put("/v1/agent/service/register", { Name: "web", Tags: ["a"] });
    await put("/v1/agent/service/register", { Name: "db", Tags: ["b"] });
    expect(Object.keys(json<object>(await get(`/v1/agent/services?${filter('"a" in Tags')}`)))).toEqual([
      "web",
    ]);
    expect((await get(`/v1/agent/services?${filter("Tags ===")}`)).statusCode).toBe(400);
  });

  it("replace-existing-checks drops checks missing from the request", async () => {
    const { put, get } = await fixture();
    await put("/v1/agent/service/register", {
      Name: "web",
      Checks: [
        { TTL: "10s", ID: "a" },
        { TTL: "10s", ID: "b" },
      ],
    });
    await put("/v1/agent/service/register", { Name: "web", Checks: [{ TTL: "10s", ID: "a" }] });
    expect(Object.keys(json<object>(await get("/v1/agent/checks")))).toEqual(["a", "b"]);
    await put("/v1/agent/service/register?replace-existing-checks=true", {
      Name: "web",
      Checks: [{ TTL: "10s", ID: "a" }],
    });
    expect(Object.keys(json<object>(await get("/v1/agent/checks")))).toEqual(["a"]);
  });

  it.each([
    ["bad JSON", "{nope", "Request decode failed"],
    ["empty body", "", "Request decode failed"],
    ["no name", { Port: 1 }, "Missing service name"],
    ["wrong type", { Name: "x", Tags: { a: 1 } }, "Request decode failed"],
    ["bad port", { Name: "x", Port: 99999 }, "Request decode failed"],
    ["unsupported check", { Name: "x", Check: { Args: ["true"], Interval: "1s" } }, "not supported"],
    ["a JSON array", [1, 2], "Request decode failed"],
  ])("refuses a registration with %s (400)", async (_label, body, message) => {
    const { put } = await fixture();
    const response = await put("/v1/agent/service/register", body);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(message);
  });

  it("refuses an oversized body with 413 and keeps serving", async () => {
    const { put, get } = await fixture({ bodyLimit: 1024 });
    const response = await put("/v1/agent/service/register", { Name: "x", Meta: { a: "y".repeat(2000) } });
    expect(response.statusCode).toBe(413);
    expect((await get("/v1/agent/services")).statusCode).toBe(200);
  });

  it("deregisters, with 404 for an unknown ID", async () => {
    const { put, get } = await fixture();
    await put("/v1/agent/service/register", { Name: "web", Check: { TTL: "10s" } });
    expect((await put("/v1/agent/service/deregister/web")).statusCode).toBe(200);
    expect(json(await get("/v1/agent/services"))).toEqual({});
    expect(json(await get("/v1/agent/checks"))).toEqual({});
    expect((await put("/v1/agent/service/deregister/web")).statusCode).toBe(404);
    expect((await get("/v1/agent/service/web")).statusCode).toBe(404);
  });

  it("hash-blocks GET /v1/agent/service/:id until the definition changes", async () => {
    const { put, get } = await fixture();
    await put("/v1/agent/service/register", { Name: "web", Port: 1 });
    const hash = json<Service>(await get("/v1/agent/service/web")).ContentHash!;
    const started = Date.now();
    const timedOut = await get(`/v1/agent/service/web?hash=${hash}&wait=50ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(json<Service>(timedOut).ContentHash).toBe(hash);
    const waiting = get(`/v1/agent/service/web?hash=${hash}&wait=5s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put("/v1/agent/service/register", { Name: "web", Port: 2 });
    const changed = json<Service>(await waiting);
    expect(changed.Port).toBe(2);
    expect(changed.ContentHash).not.toBe(hash);
  });

  it("PUT /v1/agent/service/maintenance/:id", async () => {
    const { put, get } = await fixture();
    await put("/v1/agent/service/register", { Name: "web" });
    expect((await put("/v1/agent/service/maintenance/web?enable=true&reason=deploy")).statusCode).toBe(200);
    expect(
      json<Record<string, { Notes: string }>>(await get("/v1/agent/checks"))["_service_maintenance:web"]!
        .Notes,
    ).toBe("deploy");
    expect((await put("/v1/agent/service/maintenance/nope?enable=true")).statusCode).toBe(404);
    expect((await put("/v1/agent/service/maintenance/web")).statusCode).toBe(400);
    expect((await put("/v1/agent/service/maintenance/web?enable=false")).statusCode).toBe(200);
    expect(json(await get("/v1/agent/checks"))).toEqual({});
  });
});
