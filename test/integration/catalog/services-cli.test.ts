/**
 * `shoal services register|deregister|list`, run as the real CLI against a real agent: what it
 * prints, what it changes in the agent's registry, and how it fails on an unknown service ID.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";
import { runShoalCli, shoalCli } from "../../support/shoal-cli.js";

interface AgentServiceJson {
  readonly ID: string;
  readonly Service: string;
  readonly Port: number;
  readonly Tags: string[];
  readonly Meta: Record<string, string>;
  readonly Address: string;
}

describe("shoal services", () => {
  let agent: ShoalAgent;
  let dir = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "shoal-services-cli-"));
    agent = await startShoalAgent({ name: "svc-cli-1", profile: "local" });
  });

  afterAll(async () => {
    await agent.kill();
    await rm(dir, { recursive: true, force: true });
  });

  const services = (): Promise<Record<string, AgentServiceJson>> =>
    agent.get<Record<string, AgentServiceJson>>("/v1/agent/services");

  it("registers a service from flags", async () => {
    const out = await shoalCli(agent.httpAddr, [
      "services",
      "register",
      "--name",
      "web",
      "--id",
      "web-1",
      "--port",
      "8080",
      "--address",
      "10.1.2.3",
      "--tag",
      "v1",
      "--tag",
      "blue",
      "--meta",
      "team=core",
      "--check-ttl",
      "30s",
    ]);
    expect(out.trim()).toBe("Registered service: web-1");
    expect((await services())["web-1"]).toMatchObject({
      ID: "web-1",
      Service: "web",
      Port: 8080,
      Address: "10.1.2.3",
      Tags: ["v1", "blue"],
      Meta: { team: "core" },
    });
    const checks = await agent.get<Record<string, { ServiceID: string; Type: string }>>("/v1/agent/checks");
    expect(Object.values(checks)).toContainEqual(
      expect.objectContaining({ ServiceID: "web-1", Type: "ttl" }),
    );
  });

  it("registers services from a file, in Consul's single and list forms", async () => {
    const single = join(dir, "db.json");
    await writeFile(
      single,
      JSON.stringify({ Service: { Name: "db", ID: "db-1", Port: 5432, Tags: ["primary"] } }),
    );
    const many = join(dir, "many.json");
    await writeFile(
      many,
      JSON.stringify({
        services: [
          { name: "cache", id: "cache-1", port: 6379 },
          { name: "queue", port: 5672 },
        ],
      }),
    );
    const out = await shoalCli(agent.httpAddr, ["services", "register", single, many]);
    expect(out.trim().split("\n")).toEqual([
      "Registered service: db-1",
      "Registered service: cache-1",
      "Registered service: queue",
    ]);
    const all = await services();
    expect(all["db-1"]).toMatchObject({ Service: "db", Port: 5432, Tags: ["primary"] });
    expect(all["cache-1"]).toMatchObject({ Service: "cache", Port: 6379 });
    expect(all["queue"]).toMatchObject({ Service: "queue", Port: 5672 });
  });

  it("lists services as text and as JSON", async () => {
    const text = await shoalCli(agent.httpAddr, ["services", "list"]);
    const lines = text.trim().split("\n").sort();
    expect(lines).toEqual([
      "cache-1  cache  port=6379  tags=",
      "db-1  db  port=5432  tags=primary",
      "queue  queue  port=5672  tags=",
      "web-1  web  port=8080  tags=v1,blue",
    ]);
    const json = JSON.parse(
      await shoalCli(agent.httpAddr, ["services", "list", "--format", "json"]),
    ) as Record<string, AgentServiceJson>;
    expect(Object.keys(json).sort()).toEqual(["cache-1", "db-1", "queue", "web-1"]);
    expect(json).toEqual(await services());
  });

  it("deregisters by ID", async () => {
    const out = await shoalCli(agent.httpAddr, ["services", "deregister", "cache-1", "queue"]);
    expect(out.trim().split("\n")).toEqual(["Deregistered service: cache-1", "Deregistered service: queue"]);
    expect(Object.keys(await services()).sort()).toEqual(["db-1", "web-1"]);
  });

  it("exits 1 naming the ID when the service is unknown", async () => {
    const result = await runShoalCli(agent.httpAddr, ["services", "deregister", "no-such"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("shoal services:");
    expect(result.stderr).toContain("404");
    expect(result.stderr).toContain('Unknown service ID "no-such"');
    expect(Object.keys(await services()).sort()).toEqual(["db-1", "web-1"]);
  });
});
