/**
 * The unmodified `consul` npm client against Shoal's HTTP API on real sockets.
 *
 * Three in-memory agents, each with its own API server, catalog and check runner, share
 * catalog gossip through an in-process bus (the real CatalogGossip encoding, delivered
 * asynchronously): the acceptance path of issue 5 without the daemon. Register on one agent,
 * find the service passing on another, and see a blocking query on the third return when
 * the check fails.
 */
import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import Consul from "consul";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogGossip } from "../../../src/agent/catalog/catalog-gossip.js";
import { createHttpApiServer } from "../../../src/http-api/server.js";
import { InMemoryAgent, member } from "../../support/in-memory-agent.js";
import { eventually, httpServer, type ControlledHttp } from "../../unit/agent/checks/servers.js";

interface Node {
  readonly agent: InMemoryAgent;
  readonly app: FastifyInstance;
  readonly consul: Consul;
  readonly gossip: CatalogGossip;
}

interface HealthEntry {
  Node: { Node: string };
  Service: { ID: string; Service: string; Port: number; Tags: string[] };
  Checks: { CheckID: string; Status: string }[];
}

/** A context that makes the client resolve with `[response, body]`, so tests can read headers. */
function withResponse(): EventEmitter & { includeResponse: boolean } {
  return Object.assign(new EventEmitter(), { includeResponse: true });
}

type Raw = [{ headers: Record<string, string> }, unknown];

const nodes: Node[] = [];
let health: ControlledHttp;

async function startNode(name: string, index: number): Promise<Node> {
  const agent = new InMemoryAgent({
    name,
    address: `127.0.0.${index + 1}`,
    registry: { runner: { stagger: false, minIntervalMs: 20 } },
  });
  const gossip = new CatalogGossip(agent.catalog, {
    broadcast: (_name, payload) => {
      // Deliver later, as a network would, to every other agent.
      setImmediate(() => {
        for (const other of nodes) if (other.agent !== agent) other.gossip.onMessage(payload);
      });
    },
  });
  gossip.start();
  const app = await createHttpApiServer({ view: agent, control: agent });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const consul = new Consul({ host: "127.0.0.1", port });
  return { agent, app, consul, gossip };
}

beforeAll(async () => {
  health = await httpServer();
  for (const [i, name] of ["shoal-1", "shoal-2", "shoal-3"].entries()) nodes.push(await startNode(name, i));
  for (const node of nodes) {
    for (const [i, other] of nodes.entries()) {
      if (other !== node) node.agent.setMember(member(other.agent.catalog.nodeName, `127.0.0.${i + 1}`));
    }
  }
});

afterAll(async () => {
  for (const node of nodes) {
    node.consul.destroy();
    await node.app.close();
    node.agent.close();
  }
  await health.close();
});

describe("the consul npm client against Shoal", () => {
  it("registers a service with an HTTP check, lists it via catalog and health, and deregisters it", async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    await a.consul.agent.service.register({
      name: "web",
      id: "web-1",
      port: 8080,
      tags: ["v1"],
      meta: { env: "test" },
      check: { name: "web http", http: health.url, interval: "50ms", timeout: "1s" },
    });
    const services = (await a.consul.agent.service.list()) as Record<
      string,
      { Service: string; Port: number }
    >;
    expect(services["web-1"]).toMatchObject({ Service: "web", Port: 8080 });

    await eventually(() => b.agent.catalog.instances("web").length === 1);
    const catalog = (await b.consul.catalog.service.nodes("web")) as { Node: string; ServiceID: string }[];
    expect(catalog.map((e) => [e.Node, e.ServiceID])).toEqual([["shoal-1", "web-1"]]);
    expect(await b.consul.catalog.service.list()).toEqual({ web: ["v1"] });

    let passing: HealthEntry[] = [];
    const deadline = Date.now() + 5000;
    while (passing.length === 0 && Date.now() < deadline) {
      passing = (await b.consul.health.service({ service: "web", passing: true })) as HealthEntry[];
      if (passing.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(passing).toHaveLength(1);
    expect(passing[0]!.Checks.map((c) => [c.CheckID, c.Status])).toEqual([
      ["serfHealth", "passing"],
      ["service:web-1", "passing"],
    ]);

    await a.consul.agent.service.deregister("web-1");
    expect(await a.consul.agent.service.list()).toEqual({});
    await eventually(() => b.agent.catalog.instances("web").length === 0);
    expect(await b.consul.health.service("web")).toEqual([]);
  });

  it("wakes a blocking health query on a third agent when the check fails", async () => {
    const [a, b, c] = [nodes[0]!, nodes[1]!, nodes[2]!];
    await a.consul.agent.service.register({
      name: "api",
      id: "api-1",
      port: 9000,
      check: { name: "api ttl", ttl: "30s", checkid: "api-ttl", timeout: "1s" },
    });
    await a.consul.agent.check.pass({ id: "api-ttl", note: "ready" });
    await eventually(() => c.agent.catalog.instances("api")[0]?.checks[0]?.Status === "passing");
    const found = (await b.consul.health.service({ service: "api", passing: true })) as HealthEntry[];
    expect(found.map((e) => e.Service.ID)).toEqual(["api-1"]);

    const [first] = (await c.consul.health.service({
      service: "api",
      passing: true,
      ctx: withResponse(),
    } as never)) as Raw;
    const index = first.headers["x-consul-index"]!;
    expect(Number(index)).toBeGreaterThan(0);
    const started = Date.now();
    const blocked = c.consul.health.service({
      service: "api",
      passing: true,
      index,
      wait: "10s",
      ctx: withResponse(),
    } as never) as Promise<Raw>;
    setTimeout(() => void a.consul.agent.check.fail({ id: "api-ttl", note: "broken" }), 150);
    const [response, body] = await blocked;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(5000);
    expect(Number(response.headers["x-consul-index"])).toBeGreaterThan(Number(index));
    expect(body).toEqual([]);
  });

  it("wakes a blocking catalog query when a service registers, and feeds consul.watch", async () => {
    const [a, c] = [nodes[0]!, nodes[2]!];
    const [first] = (await c.consul.catalog.service.nodes({
      service: "late",
      ctx: withResponse(),
    } as never)) as Raw;
    const blocked = c.consul.catalog.service.nodes({
      service: "late",
      index: first.headers["x-consul-index"],
      wait: "10s",
    } as never) as Promise<{ ServiceID: string }[]>;

    const watch = c.consul.watch({
      method: c.consul.health.service,
      options: { service: "late", wait: "5s" },
    });
    const changes: HealthEntry[][] = [];
    watch.on("change", (data: HealthEntry[]) => changes.push(data));
    watch.on("error", () => undefined);
    await eventually(() => changes.length === 1);

    await a.consul.agent.service.register({ name: "late", id: "late-1", port: 1 });
    expect((await blocked).map((e) => e.ServiceID)).toEqual(["late-1"]);
    await eventually(() => changes.some((change) => change.length === 1));
    watch.end();
  });

  it("registers and deregisters a stand-alone check through agent.check", async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    await a.consul.agent.service.register({ name: "cache", id: "cache-1", port: 6379 });
    await a.consul.agent.check.register({
      name: "cache ttl",
      checkid: "cache-ttl",
      serviceid: "cache-1",
      ttl: "30s",
      // Typed as required by the client (it is also the request timeout); TTL checks ignore it.
      timeout: "5s",
    });
    await a.consul.agent.check.register({ name: "node disk", ttl: "30s", timeout: "5s" });
    await a.consul.agent.check.pass({ id: "cache-ttl" });
    const checks = (await a.consul.agent.check.list()) as Record<string, { ServiceID: string }>;
    expect(checks["cache-ttl"]?.ServiceID).toBe("cache-1");
    expect(checks["node disk"]?.ServiceID).toBe("");
    // The node-level check is gossiped with the node and counts for its services elsewhere.
    await eventually(() =>
      (b.agent.catalog.instances("cache")[0]?.nodeChecks ?? []).some((c) => c.CheckID === "node disk"),
    );
    await a.consul.agent.check.deregister("node disk");
    await a.consul.agent.check.deregister({ id: "cache-ttl" });
    expect(Object.keys((await a.consul.agent.check.list()) as object)).not.toContain("cache-ttl");
    await expect(a.consul.agent.check.deregister("cache-ttl")).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      a.consul.agent.check.register({ name: "orphan", serviceid: "nope", ttl: "30s", timeout: "5s" }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await a.consul.agent.service.deregister("cache-1");
  });

  it("answers agent, members, status and event calls", async () => {
    const a = nodes[0]!;
    const self = (await a.consul.agent.self()) as { Config: { NodeName: string } };
    expect(self.Config.NodeName).toBe("shoal-1");
    const members = (await a.consul.agent.members()) as { Name: string; Status: number }[];
    expect(members.map((m) => m.Name).sort()).toEqual(["shoal-1", "shoal-2", "shoal-3"]);
    expect(await a.consul.status.leader()).toBe("127.0.0.1:7946");
    expect(await a.consul.status.peers()).toHaveLength(3);
    const fired = (await a.consul.event.fire({ name: "deploy", payload: "v2" })) as {
      Name: string;
      Payload: string;
    };
    expect(fired.Name).toBe("deploy");
    const events = (await a.consul.event.list({ name: "deploy" })) as { Payload: string }[];
    expect(events.map((e) => e.Payload)).toEqual(["v2"]);
    await expect(a.consul.agent.check.pass("no-such-check")).rejects.toMatchObject({ statusCode: 404 });
  });
});
