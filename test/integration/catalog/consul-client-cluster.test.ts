/**
 * Issue 5's acceptance with the unmodified `consul` npm client against three real `shoal agent`
 * processes: a service registered on the first agent (with an HTTP check against a server this
 * test controls) is found passing through `health.service` on the second, and a blocking query
 * on the third returns when the check starts failing.
 */
import Consul from "consul";
import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import type { ShoalAgent } from "../../support/shoal-agent.js";
import { startShoalCluster } from "../../support/shoal-cluster.js";
import { httpServer, type ControlledHttp } from "../../unit/agent/checks/servers.js";

interface HealthEntry {
  readonly Node: { readonly Node: string };
  readonly Service: { readonly ID: string };
  readonly Checks: readonly { readonly CheckID: string; readonly Status: string }[];
}

/** A request context that makes the client resolve with `[response, body]` (to read headers). */
function withResponse(): EventEmitter & { includeResponse: boolean } {
  return Object.assign(new EventEmitter(), { includeResponse: true });
}
type WithHeaders = [{ readonly headers: Record<string, string> }, HealthEntry[]];

function clientOf(agent: ShoalAgent): Consul {
  const [host, port] = agent.httpAddr.split(":");
  return new Consul({ host: host!, port: Number(port) });
}

describe("the consul npm client against a 3-agent Shoal cluster", () => {
  let agents: ShoalAgent[] = [];
  let clients: Consul[] = [];
  let web: ControlledHttp;

  beforeAll(async () => {
    web = await httpServer();
    agents = await startShoalCluster("consul", 3, { profile: "local" });
    clients = agents.map(clientOf);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all(agents.map((a) => a.kill()));
    await web?.close();
  });

  it("registers on one agent, finds it passing on another, and a blocking query on the third wakes on failure", async () => {
    const [a, b, c] = clients as [Consul, Consul, Consul];
    await a.agent.service.register({
      name: "web",
      id: "web-1",
      port: 8080,
      tags: ["v1"],
      check: { name: "web http", http: web.url, interval: "200ms", timeout: "1s" },
    });

    const passing = await waitFor(
      "web passing on the second agent",
      async () => {
        const entries = (await b.health.service({ service: "web", passing: true })) as HealthEntry[];
        return entries.length === 1 ? entries : undefined;
      },
      15_000,
    );
    expect(passing[0]!.Node.Node).toBe("consul-1");
    expect(passing[0]!.Checks.map((check) => [check.CheckID, check.Status])).toEqual([
      ["serfHealth", "passing"],
      ["service:web-1", "passing"],
    ]);

    // The third agent has it passing too; take its index and block on it.
    const [first, body] = await waitFor(
      "web passing on the third agent",
      async () => {
        const raw = (await c.health.service({
          service: "web",
          passing: true,
          ctx: withResponse(),
        } as never)) as WithHeaders;
        return raw[1].length === 1 ? raw : undefined;
      },
      15_000,
    );
    expect(body).toHaveLength(1);
    const index = first.headers["x-consul-index"]!;
    const blocked = c.health.service({
      service: "web",
      passing: true,
      index,
      wait: "30s",
      ctx: withResponse(),
    } as never) as Promise<WithHeaders>;
    const failedAt = Date.now();
    web.status = 500;
    const [response, after] = await blocked;
    const wokeAfterMs = Date.now() - failedAt;
    console.log(
      `[consul-client] blocking query on the third agent woke ${wokeAfterMs} ms after the check's target failed`,
    );
    expect(after).toEqual([]);
    expect(Number(response.headers["x-consul-index"])).toBeGreaterThan(Number(index));
    expect(wokeAfterMs).toBeLessThan(20_000);
  });
});
