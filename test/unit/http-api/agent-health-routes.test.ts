import { describe, expect, it } from "vitest";
import { fixture, json } from "./helpers.js";
import { remoteNode, ttl } from "./remote.js";

interface ChecksInfo {
  AggregatedStatus: string;
  Service: { ID: string; Service: string; Datacenter: string } | null;
  Checks: { CheckID: string; Status: string }[] | null;
}

/** Two instances of "web" with a TTL check each, both starting passing. */
async function withWeb() {
  const f = await fixture();
  for (const id of ["web-1", "web-2"]) {
    const response = await f.put("/v1/agent/service/register", {
      Name: "web",
      ID: id,
      Check: { CheckID: `${id}-ttl`, TTL: "1m", Status: "passing" },
    });
    expect(response.statusCode).toBe(200);
  }
  return f;
}

describe("GET /v1/agent/health/service/id/:id", () => {
  it("answers 200 passing with the service and its checks", async () => {
    const { get } = await withWeb();
    const response = await get("/v1/agent/health/service/id/web-1");
    expect(response.statusCode).toBe(200);
    const body = json<ChecksInfo>(response);
    expect(body.AggregatedStatus).toBe("passing");
    expect(body.Service).toMatchObject({ ID: "web-1", Service: "web", Datacenter: "dc1" });
    expect(body.Checks?.map((c) => c.CheckID)).toEqual(["web-1-ttl"]);
  });

  it.each([
    ["warn", 429, "warning"],
    ["fail", 503, "critical"],
    ["pass", 200, "passing"],
  ])("after check/%s answers %i %s, also as ?format=text", async (verb, code, word) => {
    const { get, put } = await withWeb();
    await put(`/v1/agent/check/${verb}/web-1-ttl`);
    const response = await get("/v1/agent/health/service/id/web-1");
    expect(response.statusCode).toBe(code);
    expect(json<ChecksInfo>(response).AggregatedStatus).toBe(word);
    const text = await get("/v1/agent/health/service/id/web-1?format=text");
    expect(text.statusCode).toBe(code);
    expect(text.headers["content-type"]).toMatch(/^text\/plain/);
    expect(text.body).toBe(word);
    const accept = await get("/v1/agent/health/service/id/web-1", { accept: "text/plain" });
    expect(accept.body).toBe(word);
  });

  it("counts node-level checks but not serfHealth, and the worst status wins", async () => {
    const { get, put } = await withWeb();
    await put("/v1/agent/check/register", { Name: "disk", TTL: "1m", Status: "warning" });
    const response = await get("/v1/agent/health/service/id/web-1");
    expect(response.statusCode).toBe(429);
    expect(json<ChecksInfo>(response).Checks?.map((c) => c.CheckID)).toEqual(["disk", "web-1-ttl"]);
    await put("/v1/agent/check/fail/web-1-ttl");
    expect((await get("/v1/agent/health/service/id/web-1")).statusCode).toBe(503);
  });

  it("reports maintenance (503) for service and node maintenance, as Consul does", async () => {
    const { get, put } = await withWeb();
    await put("/v1/agent/service/maintenance/web-1?enable=true");
    const service = await get("/v1/agent/health/service/id/web-1?format=text");
    expect([service.statusCode, service.body]).toEqual([503, "maintenance"]);
    expect((await get("/v1/agent/health/service/id/web-2")).statusCode).toBe(200);
    await put("/v1/agent/maintenance?enable=true");
    const node = await get("/v1/agent/health/service/id/web-2");
    expect(node.statusCode).toBe(503);
    expect(json<ChecksInfo>(node).AggregatedStatus).toBe("maintenance");
  });

  it("answers passing for a service without checks", async () => {
    const { get, put } = await fixture();
    await put("/v1/agent/service/register", { Name: "bare" });
    const response = await get("/v1/agent/health/service/id/bare");
    expect(response.statusCode).toBe(200);
    expect(json<ChecksInfo>(response)).toMatchObject({ AggregatedStatus: "passing", Checks: [] });
  });

  it("answers 404 for an unknown ID (JSON and text) and ignores other nodes' services", async () => {
    const { get, agent } = await withWeb();
    remoteNode(agent, "node-b", "10.0.0.2", [
      { service: { ID: "remote", Service: "remote" }, checks: [ttl("r", "passing")] },
    ]);
    const response = await get("/v1/agent/health/service/id/remote");
    expect(response.statusCode).toBe(404);
    expect(json<ChecksInfo>(response)).toEqual({ AggregatedStatus: "critical", Service: null, Checks: null });
    const text = await get("/v1/agent/health/service/id/nope?format=text");
    expect([text.statusCode, text.body]).toEqual([404, "ServiceId nope not found"]);
  });

  it("answers 400 or 404 without an ID, never 5xx", async () => {
    const { get } = await withWeb();
    const response = await get("/v1/agent/health/service/id/");
    expect([400, 404]).toContain(response.statusCode);
    expect(response.body).not.toBe("");
  });
});

describe("GET /v1/agent/health/service/name/:name", () => {
  it("lists every local instance and answers with the worst status", async () => {
    const { get, put } = await withWeb();
    const passing = await get("/v1/agent/health/service/name/web");
    expect(passing.statusCode).toBe(200);
    const entries = json<ChecksInfo[]>(passing);
    expect(entries.map((e) => [e.Service?.ID, e.AggregatedStatus])).toEqual([
      ["web-1", "passing"],
      ["web-2", "passing"],
    ]);
    await put("/v1/agent/check/warn/web-2-ttl");
    expect((await get("/v1/agent/health/service/name/web")).statusCode).toBe(429);
    await put("/v1/agent/check/fail/web-1-ttl");
    const critical = await get("/v1/agent/health/service/name/web?format=text");
    expect([critical.statusCode, critical.body]).toEqual([503, "critical"]);
    const detail = json<ChecksInfo[]>(await get("/v1/agent/health/service/name/web"));
    expect(detail.map((e) => e.AggregatedStatus)).toEqual(["critical", "warning"]);
  });

  it("answers 404 with an empty list, or Consul's text", async () => {
    const { get } = await withWeb();
    const response = await get("/v1/agent/health/service/name/nope");
    expect(response.statusCode).toBe(404);
    expect(json<unknown[]>(response)).toEqual([]);
    const text = await get("/v1/agent/health/service/name/nope?format=text");
    expect([text.statusCode, text.body]).toEqual([404, "ServiceName nope Not Found"]);
  });

  it("answers 405 to PUT", async () => {
    const { put } = await withWeb();
    expect((await put("/v1/agent/health/service/name/web")).statusCode).toBe(405);
  });
});
