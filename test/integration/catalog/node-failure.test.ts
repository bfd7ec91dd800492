/**
 * What the catalog does when a node fails or leaves, with real agent processes: a kill -9'd
 * node's synthesized `serfHealth` check turns critical on the other agents, so its services
 * drop out of `?passing` health answers (they stay in the catalog, as in Consul); a node that
 * leaves gracefully takes its services out of the catalog altogether.
 *
 * Default gossip settings of the "local" profile, including the refused-connect suspicion
 * timeout: a kill -9'd agent's port refuses TCP, so failure takes about 2-5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import type { ShoalAgent } from "../../support/shoal-agent.js";
import { startShoalCluster } from "../../support/shoal-cluster.js";

/** Failure detection with slack for a loaded machine. */
const FAILURE_BOUND_MS = 30_000;
/** A leave intent spreads by gossip within a few hundred ms; slack for a loaded machine. */
const LEAVE_BOUND_MS = 20_000;

interface HealthEntry {
  readonly Node: { readonly Node: string };
  readonly Service: { readonly ID: string };
  readonly Checks: readonly { readonly CheckID: string; readonly Status: string }[];
}

interface CheckEntry {
  readonly CheckID: string;
  readonly Status: string;
  readonly Node: string;
}

/** Consul's member status codes. */
const MEMBER_FAILED = 4;
const MEMBER_LEFT = 3;

async function register(agent: ShoalAgent, name: string): Promise<void> {
  const response = await agent.send("PUT", "/v1/agent/service/register", { Name: name, Port: 7000 });
  expect(response.status).toBe(200);
}

async function memberStatus(observer: ShoalAgent, node: string): Promise<number | undefined> {
  const members = await observer.get<{ Name: string; Status: number }[]>("/v1/agent/members");
  return members.find((m) => m.Name === node)?.Status;
}

describe("catalog on node failure and leave", () => {
  let agents: ShoalAgent[] = [];

  beforeAll(async () => {
    agents = await startShoalCluster("nf", 3, { profile: "local" });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
  });

  it("kill -9: serfHealth turns critical and the service leaves ?passing", async () => {
    const [observer, , victim] = [agents[0]!, agents[1]!, agents[2]!];
    await register(victim, "fails");
    await waitFor("the observer to see the service passing", async () => {
      const passing = await observer.get<HealthEntry[]>("/v1/health/service/fails?passing");
      return passing.some((e) => e.Node.Node === victim.name) ? true : undefined;
    });

    const killedAt = Date.now();
    await victim.kill();
    const critical = await waitFor(
      "the victim's serfHealth to turn critical on the observer",
      async () => {
        const checks = await observer.get<CheckEntry[]>(`/v1/health/node/${victim.name}`);
        const serfHealth = checks.find((c) => c.CheckID === "serfHealth");
        return serfHealth?.Status === "critical" ? serfHealth : undefined;
      },
      FAILURE_BOUND_MS,
    );
    console.log(`[catalog] kill -9 seen as serfHealth critical after ${Date.now() - killedAt} ms`);
    expect(critical.Node).toBe(victim.name);
    expect(await memberStatus(observer, victim.name)).toBe(MEMBER_FAILED);

    // Out of the passing answer, but still in the catalog with its critical node check.
    expect(await observer.get<HealthEntry[]>("/v1/health/service/fails?passing")).toEqual([]);
    const all = await observer.get<HealthEntry[]>("/v1/health/service/fails");
    expect(all).toHaveLength(1);
    expect(all[0]!.Checks).toContainEqual(
      expect.objectContaining({ CheckID: "serfHealth", Status: "critical" }),
    );
    const critChecks = await observer.get<CheckEntry[]>("/v1/health/state/critical");
    expect(critChecks).toContainEqual(expect.objectContaining({ CheckID: "serfHealth", Node: victim.name }));
    expect(await observer.get<unknown[]>("/v1/catalog/service/fails")).toHaveLength(1);
  });

  it("graceful leave: the service disappears from the catalog", async () => {
    const [observer, leaver] = [agents[0]!, agents[1]!];
    await register(leaver, "leaves");
    await waitFor("the observer to see the service", async () => {
      const instances = await observer.get<{ Node: string }[]>("/v1/catalog/service/leaves");
      return instances.some((i) => i.Node === leaver.name) ? true : undefined;
    });

    const response = await leaver.send("PUT", "/v1/agent/leave");
    expect(response.status).toBe(200);
    await leaver.exited;
    await waitFor(
      "the service to leave the observer's catalog",
      async () =>
        (await observer.get<unknown[]>("/v1/catalog/service/leaves")).length === 0 ? true : undefined,
      LEAVE_BOUND_MS,
    );
    expect(await memberStatus(observer, leaver.name)).toBe(MEMBER_LEFT);
    expect(await observer.get<Record<string, string[]>>("/v1/catalog/services")).not.toHaveProperty("leaves");
    expect(await observer.get<unknown>(`/v1/catalog/node/${leaver.name}`)).toBeNull();
  });
});
