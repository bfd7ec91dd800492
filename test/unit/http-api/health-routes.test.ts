import { describe, expect, it } from "vitest";
import { filter, fixture, json } from "./helpers.js";
import { remoteNode, ttl } from "./remote.js";

interface HealthEntry {
  Node: { Node: string };
  Service: { ID: string };
  Checks: { CheckID: string; Status: string }[];
}

interface Check {
  Node: string;
  CheckID: string;
  Status: string;
  ServiceName: string;
}

async function cluster() {
  const f = await fixture();
  await f.put("/v1/agent/service/register", {
    Name: "web",
    ID: "web-a",
    Tags: ["a"],
    Check: { TTL: "30s", Status: "passing" },
  });
  remoteNode(f.agent, "node-b", "10.0.0.2", [
    { service: { ID: "web-b", Service: "web", Tags: ["b"] }, checks: [ttl("wb", "warning")] },
  ]);
  remoteNode(f.agent, "node-c", "10.0.0.3", [
    { service: { ID: "web-c", Service: "web" }, checks: [ttl("wc", "passing")] },
  ]);
  return f;
}

describe("health routes", () => {
  it("GET /v1/health/service/:name includes serfHealth first, then the service's checks", async () => {
    const { get } = await cluster();
    const entries = json<HealthEntry[]>(await get("/v1/health/service/web"));
    expect(entries.map((e) => e.Service.ID)).toEqual(["web-a", "web-b", "web-c"]);
    expect(entries[0]!.Checks.map((c) => c.CheckID)).toEqual(["serfHealth", "service:web-a"]);
  });

  it("?passing drops warning, critical and failed-node instances", async () => {
    const { get, agent } = await cluster();
    const ids = async (url: string) => json<HealthEntry[]>(await get(url)).map((e) => e.Service.ID);
    expect(await ids("/v1/health/service/web?passing")).toEqual(["web-a", "web-c"]);
    expect(await ids("/v1/health/service/web?passing=false")).toEqual(["web-a", "web-b", "web-c"]);
    agent.catalog.setNodeStatus("node-c", "failed");
    expect(await ids("/v1/health/service/web?passing=1")).toEqual(["web-a"]);
    expect(await ids("/v1/health/service/web?tag=b")).toEqual(["web-b"]);
    expect(await ids(`/v1/health/service/web?${filter('Checks.Status == "warning"')}`)).toEqual(["web-b"]);
    expect(await ids(`/v1/health/service/web?${filter('Node.Node == "node-c"')}`)).toEqual(["web-c"]);
    expect((await get("/v1/health/service/web?passing=perhaps")).statusCode).toBe(400);
    expect((await get(`/v1/health/service/web?${filter("Service.Bogus is empty")}`)).statusCode).toBe(400);
  });

  it("maintenance takes an instance out of ?passing", async () => {
    const { get, put } = await cluster();
    await put("/v1/agent/service/maintenance/web-a?enable=true");
    const ids = json<HealthEntry[]>(await get("/v1/health/service/web?passing")).map((e) => e.Service.ID);
    expect(ids).toEqual(["web-c"]);
  });

  it("GET /v1/health/node/:node, /v1/health/checks/:service and /v1/health/state/:state", async () => {
    const { get, agent } = await cluster();
    expect(json<Check[]>(await get("/v1/health/node/node-b")).map((c) => c.CheckID)).toEqual([
      "serfHealth",
      "wb",
    ]);
    expect(json(await get("/v1/health/node/nope"))).toEqual([]);
    expect(json<Check[]>(await get("/v1/health/checks/web")).map((c) => c.CheckID)).toEqual([
      "service:web-a",
      "wb",
      "wc",
    ]);
    expect(
      json<Check[]>(await get(`/v1/health/checks/web?${filter('Node == "node-c"')}`)).map((c) => c.CheckID),
    ).toEqual(["wc"]);
    agent.catalog.setNodeStatus("node-c", "failed");
    const critical = json<Check[]>(await get("/v1/health/state/critical"));
    expect(critical.map((c) => `${c.Node}/${c.CheckID}`)).toEqual(["node-c/serfHealth"]);
    expect(json<Check[]>(await get("/v1/health/state/warning")).map((c) => c.CheckID)).toEqual(["wb"]);
    expect(json<Check[]>(await get("/v1/health/state/any"))).toHaveLength(6);
    expect(json<Check[]>(await get("/v1/health/state/passing"))).toHaveLength(4);
    const bad = await get("/v1/health/state/sleepy");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Invalid check state");
  });
});
