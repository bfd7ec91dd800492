import { describe, expect, it } from "vitest";
import { filter, fixture, json } from "./helpers.js";
import { remoteNode } from "./remote.js";

interface Entry {
  Node: string;
  Address: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServicePort: number;
  NodeMeta: Record<string, string>;
  TaggedAddresses: Record<string, string>;
}

async function cluster() {
  const f = await fixture();
  await f.put("/v1/agent/service/register", {
    Name: "web",
    ID: "web-a",
    Tags: ["v1", "Primary"],
    Port: 8080,
  });
  remoteNode(
    f.agent,
    "node-b",
    "10.0.0.2",
    [
      { service: { ID: "web-b", Service: "web", Tags: ["v2"], Port: 9090, Meta: { env: "prod" } } },
      { service: { ID: "db", Service: "db", Tags: ["pg"] } },
    ],
    { rack: "r2" },
  );
  return f;
}

describe("catalog routes", () => {
  it("GET /v1/catalog/services maps names to all tags seen", async () => {
    const { get } = await cluster();
    const response = await get("/v1/catalog/services");
    expect(json(response)).toEqual({ db: ["pg"], web: ["Primary", "v1", "v2"] });
    expect(Number(response.headers["x-consul-index"])).toBeGreaterThan(1);
    expect(response.headers["x-consul-knownleader"]).toBe("true");
    expect(response.headers["x-consul-lastcontact"]).toBe("0");
    expect(json(await get(`/v1/catalog/services?${filter('ServiceMeta.env == "prod"')}`))).toEqual({
      web: ["v2"],
    });
    expect(json(await get("/v1/catalog/services?node-meta=rack:r2"))).toEqual({ db: ["pg"], web: ["v2"] });
  });

  it("GET /v1/catalog/service/:name lists instances with node fields", async () => {
    const { get } = await cluster();
    const entries = json<Entry[]>(await get("/v1/catalog/service/web"));
    expect(entries.map((e) => [e.Node, e.ServiceID, e.ServicePort])).toEqual([
      ["node-a", "web-a", 8080],
      ["node-b", "web-b", 9090],
    ]);
    expect(entries[1]).toMatchObject({
      Address: "10.0.0.2",
      NodeMeta: { rack: "r2" },
      TaggedAddresses: { lan: "10.0.0.2" },
    });
    expect(
      json<Entry[]>(await get("/v1/catalog/service/web?tag=primary&tag=v1")).map((e) => e.ServiceID),
    ).toEqual(["web-a"]);
    expect(json(await get("/v1/catalog/service/web?tag=v1&tag=v2"))).toEqual([]);
    expect(
      json<Entry[]>(await get(`/v1/catalog/service/web?${filter("ServicePort == 9090")}`)).map((e) => e.Node),
    ).toEqual(["node-b"]);
    expect(json(await get("/v1/catalog/service/nothing"))).toEqual([]);
    expect((await get("/v1/catalog/service/web?near=_agent&stale&consistent")).statusCode).toBe(200);
  });

  it.each([
    ["/v1/catalog/service/web?filter=Nope%20%3D%3D%201", "is not valid"],
    ["/v1/catalog/service/web?filter=%28", "Failed to create boolean expression evaluator"],
    ["/v1/catalog/service/web?index=abc", "Invalid index"],
    ["/v1/catalog/service/web?index=1&wait=forever", "Invalid wait"],
    ["/v1/catalog/service/web?dc=elsewhere", "No path to datacenter"],
    ["/v1/catalog/nodes?node-meta=nocolon", "Invalid node-meta"],
  ])("GET %s is 400 (%s)", async (url, message) => {
    const { get } = await cluster();
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(message);
  });

  it("GET /v1/catalog/nodes and /v1/catalog/node/:node", async () => {
    const { get } = await cluster();
    const nodes = json<{ Node: string; Meta: Record<string, string>; Datacenter: string }[]>(
      await get("/v1/catalog/nodes"),
    );
    expect(nodes.map((n) => n.Node)).toEqual(["node-a", "node-b"]);
    expect(nodes[1]).toMatchObject({ Meta: { rack: "r2" }, Datacenter: "dc1" });
    expect(json<unknown[]>(await get(`/v1/catalog/nodes?${filter('Meta.rack == "r2"')}`))).toHaveLength(1);
    const node = json<{ Node: { Node: string }; Services: Record<string, { Service: string }> }>(
      await get("/v1/catalog/node/node-b"),
    );
    expect(node.Node.Node).toBe("node-b");
    expect(Object.keys(node.Services)).toEqual(["db", "web-b"]);
    const filtered = json<{ Services: object }>(
      await get(`/v1/catalog/node/node-b?${filter('Service == "db"')}`),
    );
    expect(Object.keys(filtered.Services)).toEqual(["db"]);
    const unknown = await get("/v1/catalog/node/nope");
    expect([unknown.statusCode, unknown.body]).toEqual([200, "null"]);
  });

  it("GET /v1/catalog/datacenters", async () => {
    const { get } = await fixture();
    expect(json(await get("/v1/catalog/datacenters"))).toEqual(["dc1"]);
  });

  it("hides a left node and its services", async () => {
    const { get, agent } = await cluster();
    agent.catalog.setNodeStatus("node-b", "left");
    expect(json(await get("/v1/catalog/services"))).toEqual({ web: ["Primary", "v1"] });
    expect(json<unknown[]>(await get("/v1/catalog/nodes"))).toHaveLength(1);
  });
});
