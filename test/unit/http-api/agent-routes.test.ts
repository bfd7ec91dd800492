import { describe, expect, it } from "vitest";
import { member } from "../../support/in-memory-agent.js";
import { filter, fixture, json } from "./helpers.js";

describe("agent routes", () => {
  it("GET /v1/agent/self answers Consul's sections", async () => {
    const { get } = await fixture();
    const response = await get("/v1/agent/self");
    expect(response.statusCode).toBe(200);
    const self = json<Record<string, Record<string, unknown>>>(response);
    expect(self["Config"]).toMatchObject({
      Datacenter: "dc1",
      NodeName: "node-a",
      Server: false,
      Version: "0.1.0",
    });
    expect(self["Member"]).toMatchObject({ Name: "node-a", Addr: "127.0.0.1", Port: 7946, Status: 1 });
    expect(self["Coord"]!["Vec"]).toHaveLength(8);
    expect(self["Stats"]).toMatchObject({ agent: { name: "node-a" } });
  });

  it("GET /v1/agent/members maps statuses to Serf's numbers and filters", async () => {
    const { get, agent } = await fixture();
    agent.setMember(member("node-b", "10.0.0.2", 7946, "failed"));
    agent.setMember(member("node-c", "10.0.0.3", 7946, "left"));
    const all = json<{ Name: string; Status: number }[]>(await get("/v1/agent/members?wan=1&segment=x"));
    expect(all.map((m) => [m.Name, m.Status])).toEqual([
      ["node-a", 1],
      ["node-b", 4],
      ["node-c", 3],
    ]);
    const failed = json<unknown[]>(await get(`/v1/agent/members?${filter("Status == 4")}`));
    expect(failed).toHaveLength(1);
    expect((await get(`/v1/agent/members?${filter("Nope == 1")}`)).statusCode).toBe(400);
  });

  it("PUT /v1/agent/join/:address joins; bad addresses are 400; GET is 405", async () => {
    const { put, get, agent } = await fixture();
    expect((await put("/v1/agent/join/10.0.0.9:7946")).statusCode).toBe(200);
    expect(agent.calls).toContain("join 10.0.0.9:7946");
    expect(agent.members().some((m) => m.addr === "10.0.0.9")).toBe(true);
    const bad = await put(`/v1/agent/join/${encodeURIComponent("a:b:c:99999")}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toContain("text/plain");
    expect((await put("/v1/agent/join/%20")).statusCode).toBe(400);
    const wrong = await get("/v1/agent/join/10.0.0.9");
    expect(wrong.statusCode).toBe(405);
    expect(wrong.body).toBe("method GET not allowed");
  });

  it("PUT /v1/agent/leave and /v1/agent/force-leave/:node", async () => {
    const { put, agent } = await fixture();
    agent.setMember(member("node-b", "10.0.0.2", 7946, "failed"));
    expect((await put("/v1/agent/force-leave/node-b?prune")).statusCode).toBe(200);
    expect(agent.calls).toContain("force-leave node-b prune");
    expect((await put("/v1/agent/force-leave/node-b?prune=maybe")).statusCode).toBe(400);
    expect((await put("/v1/agent/leave")).statusCode).toBe(200);
    expect(agent.left).toBe(true);
  });

  it("PUT /v1/agent/maintenance toggles node maintenance and validates enable", async () => {
    const { put, get } = await fixture();
    expect((await put("/v1/agent/maintenance?enable=true&reason=patching")).statusCode).toBe(200);
    const checks = json<Record<string, { Notes: string; Status: string }>>(await get("/v1/agent/checks"));
    expect(checks["_node_maintenance"]).toMatchObject({ Notes: "patching", Status: "critical" });
    expect((await put("/v1/agent/maintenance?enable=false")).statusCode).toBe(200);
    expect(json(await get("/v1/agent/checks"))).toEqual({});
    const missing = await put("/v1/agent/maintenance");
    expect([missing.statusCode, missing.body]).toEqual([400, "Missing value for enable"]);
    expect((await put("/v1/agent/maintenance?enable=yes")).statusCode).toBe(400);
  });
});
