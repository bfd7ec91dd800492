import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AgentControl } from "../../../src/http-api/agent-view.js";
import { AgentApiError } from "../../../src/http-api/api-error.js";
import { createHttpApiServer } from "../../../src/http-api/server.js";
import { member } from "../../support/in-memory-agent.js";
import { fixture, json } from "./helpers.js";

describe("status routes", () => {
  it("answer this agent as leader and alive members as peers", async () => {
    const { get, agent } = await fixture();
    agent.setMember(member("node-b", "10.0.0.2", 8301));
    agent.setMember(member("node-c", "fd00::3", 8301, "failed"));
    const leader = await get("/v1/status/leader");
    expect(leader.headers["content-type"]).toContain("application/json");
    expect(json(leader)).toBe("127.0.0.1:7946");
    expect(json(await get("/v1/status/peers"))).toEqual(["127.0.0.1:7946", "10.0.0.2:8301"]);
  });
});

describe("operator keyring routes", () => {
  it("list, install, use and remove keys", async () => {
    const { get, request } = await fixture();
    const key = "aGVsbG8gd29ybGQgMTIzNA==";
    const send = (method: "POST" | "PUT" | "DELETE", Key: string) =>
      request({ method, url: "/v1/operator/keyring", payload: { Key } });
    expect((await send("POST", key)).statusCode).toBe(200);
    expect((await send("PUT", key)).statusCode).toBe(200);
    const [ring] = json<
      { Keys: Record<string, number>; PrimaryKeys: Record<string, number>; NumNodes: number; WAN: boolean }[]
    >(await get("/v1/operator/keyring"));
    expect(ring).toMatchObject({ WAN: false, NumNodes: 1, PrimaryKeys: { [key]: 1 } });
    expect(Object.keys(ring!.Keys)).toHaveLength(2);
    const refused = await send("DELETE", key);
    expect([refused.statusCode, refused.body]).toEqual([400, "Removing the primary key is not allowed"]);
    expect((await send("PUT", "bm90IGluc3RhbGxlZCAxMjM0")).statusCode).toBe(400);
    expect((await send("POST", "not base64!")).statusCode).toBe(400);
    expect(
      (await request({ method: "POST", url: "/v1/operator/keyring", payload: { Nope: 1 } })).statusCode,
    ).toBe(400);
  });
});

describe("Shoal routes", () => {
  it("PUT /v1/shoal/tags and POST /v1/shoal/query", async () => {
    const { put, request } = await fixture();
    const tags = await put("/v1/shoal/tags", { Set: { zone: "a" }, Delete: ["role"] });
    expect(json(tags)).toEqual({ Tags: { zone: "a" } });
    const query = await request({
      method: "POST",
      url: "/v1/shoal/query",
      payload: { Name: "ping", Payload: Buffer.from("hi").toString("base64"), Timeout: "1s" },
    });
    expect(json(query)).toEqual({ Acks: ["node-a"], Responses: [{ From: "node-a", Payload: "aGk=" }] });
    expect(
      (await request({ method: "POST", url: "/v1/shoal/query", payload: { Name: "" } })).statusCode,
    ).toBe(400);
    expect(
      (await request({ method: "POST", url: "/v1/shoal/query", payload: { Name: "x", Timeout: "later" } }))
        .statusCode,
    ).toBe(400);
    expect(
      (await request({ method: "POST", url: "/v1/shoal/query", payload: { Name: "x", Payload: "%%" } }))
        .statusCode,
    ).toBe(400);
  });

  it("answer 501 when the agent lacks the feature", async () => {
    const { agent } = await fixture();
    // The same agent, minus the optional commands.
    const control = Object.create(agent, {
      setTags: { value: undefined },
      query: { value: undefined },
    }) as AgentControl;
    const bare = await createHttpApiServer({ view: agent, control });
    expect((await bare.inject({ method: "PUT", url: "/v1/shoal/tags", payload: {} })).statusCode).toBe(501);
    expect(
      (await bare.inject({ method: "POST", url: "/v1/shoal/query", payload: { Name: "x" } })).statusCode,
    ).toBe(501);
    expect((await bare.inject({ method: "GET", url: "/v1/agent/self" })).statusCode).toBe(200);
    await bare.close();
  });
});

describe("errors, methods and the authorize hook", () => {
  it("unknown paths are 404 text, known paths with other methods 405", async () => {
    const { get, request } = await fixture();
    const missing = await get("/v1/kv/foo");
    expect([missing.statusCode, missing.body]).toEqual([404, "404 page not found"]);
    const wrong = await request({ method: "DELETE", url: "/v1/catalog/services" });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers["allow"]).toContain("GET");
  });

  it.each([
    ["PUT", "/v1/agent/self"],
    ["PUT", "/v1/agent/members"],
    ["GET", "/v1/agent/leave"],
    ["POST", "/v1/agent/force-leave/x"],
    ["GET", "/v1/agent/maintenance"],
    ["DELETE", "/v1/agent/services"],
    ["PUT", "/v1/agent/checks"],
    ["GET", "/v1/agent/check/pass/x"],
    ["POST", "/v1/catalog/datacenters"],
    ["PUT", "/v1/catalog/nodes"],
    ["PUT", "/v1/health/state/any"],
    ["PUT", "/v1/status/leader"],
    ["POST", "/v1/status/peers"],
    ["PATCH", "/v1/operator/keyring"],
    ["GET", "/v1/shoal/tags"],
  ] as const)("%s %s is 405", async (method, url) => {
    const { request } = await fixture();
    expect((await request({ method, url })).statusCode).toBe(405);
  });

  it("runs authorize before every route", async () => {
    const seen: string[] = [];
    const { get, put } = await fixture({
      authorize: (request) => {
        seen.push(request.url);
        if (request.headers["x-consul-token"] !== "secret") throw new AgentApiError(403, "Permission denied");
      },
    });
    const denied = await get("/v1/agent/self");
    expect([denied.statusCode, denied.body]).toEqual([403, "Permission denied"]);
    expect((await get("/v1/agent/self", { "x-consul-token": "secret" })).statusCode).toBe(200);
    expect((await put("/v1/agent/leave")).statusCode).toBe(403);
    expect(seen).toHaveLength(3);
  });

  it("turns an unexpected agent failure into a 500 with its message, and stays up", async () => {
    const { agent, put, get } = await fixture();
    agent.leave = () => Promise.reject(new Error("socket closed"));
    const response = await put("/v1/agent/leave");
    expect([response.statusCode, response.body]).toEqual([500, "socket closed"]);
    expect((await get("/v1/agent/self")).statusCode).toBe(200);
  });
});

describe("metrics route", () => {
  it("serves Prometheus text and Consul's JSON from the registry, with request metrics", async () => {
    const registry = new Registry();
    const { get } = await fixture({ registry });
    await get("/v1/agent/self");
    const text = await get("/v1/agent/metrics?format=prometheus");
    expect(text.headers["content-type"]).toContain("text/plain");
    expect(text.body).toContain(
      'shoal_http_requests_total{method="GET",route="/v1/agent/self",code="200"} 1',
    );
    const summary = json<{ Counters: { Name: string; Count: number }[]; Gauges: unknown[] }>(
      await get("/v1/agent/metrics"),
    );
    expect(summary.Counters.some((c) => c.Name === "shoal_http_requests_total")).toBe(true);
  });

  it("is 501 without a registry", async () => {
    const { get } = await fixture();
    expect((await get("/v1/agent/metrics")).statusCode).toBe(501);
  });
});
