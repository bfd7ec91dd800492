/**
 * Real `shoal agent` processes on 127.0.0.1: a cluster forms, the catalog replicates, a
 * kill -9 is detected as failed, and a real `serf agent` joins the same cluster.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithSerf } from "../../support/requirements.js";
import { serfCli, serfMembers, startSerfAgent, waitFor, type SerfAgent } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";

interface Member {
  readonly Name: string;
  readonly Status: number;
}
const ALIVE = 1;
const FAILED = 4;

async function statusOf(agent: ShoalAgent, name: string): Promise<number | undefined> {
  const members = await agent.get<Member[]>("/v1/agent/members");
  return members.find((m) => m.Name === name)?.Status;
}

describeWithSerf()("shoal agents as processes, with a real serf agent", () => {
  const agents: ShoalAgent[] = [];
  let serf: SerfAgent | undefined;

  beforeAll(async () => {
    agents.push(await startShoalAgent({ name: "s1", tags: { role: "seed" } }));
    const seed = `127.0.0.1:${agents[0]!.port}`;
    for (const name of ["s2", "s3"]) agents.push(await startShoalAgent({ name, join: [seed] }));
  }, 60_000);

  afterAll(async () => {
    await serf?.stop();
    await Promise.all(agents.map((a) => a.kill()));
  });

  it("forms one cluster: every agent sees all three alive", async () => {
    for (const agent of agents) {
      await waitFor(
        `${agent.name} sees 3 alive`,
        async () => {
          const members = await agent.get<Member[]>("/v1/agent/members");
          return members.filter((m) => m.Status === ALIVE).length === 3 ? true : undefined;
        },
        15_000,
      );
    }
  });

  it("replicates a registered service to the other agents' catalog and health views", async () => {
    const response = await agents[1]!.send("PUT", "/v1/agent/service/register", {
      Name: "web",
      ID: "web-1",
      Port: 8080,
      Tags: ["v1"],
    });
    expect(response.status).toBe(200);
    await waitFor(
      "web on s3's passing health view",
      async () => {
        const rows = await agents[2]!.get<{ Service: { ID: string } }[]>("/v1/health/service/web?passing");
        return rows.some((r) => r.Service.ID === "web-1") ? true : undefined;
      },
      10_000,
    );
  });

  it("lets a real serf agent join through a Shoal agent; both list each other alive", async () => {
    serf = await startSerfAgent({ name: "serf-1" });
    await serfCli(["join", `-rpc-addr=${serf.rpcAddr}`, `127.0.0.1:${agents[0]!.port}`]);
    await waitFor(
      "serf lists the three Shoal agents alive",
      async () => {
        const members = await serfMembers(serf!.rpcAddr);
        return members.filter((m) => m.status === "alive").length === 4 ? true : undefined;
      },
      20_000,
    );
    await waitFor(
      "s2 sees serf-1 alive",
      async () => ((await statusOf(agents[1]!, "serf-1")) === ALIVE ? true : undefined),
      20_000,
    );
  });

  it("marks a kill -9'd agent failed on every other agent", async () => {
    const victim = agents[2]!;
    await victim.kill();
    for (const agent of agents.slice(0, 2)) {
      await waitFor(
        `${agent.name} marks s3 failed`,
        async () => ((await statusOf(agent, "s3")) === FAILED ? true : undefined),
        30_000,
      );
    }
    await waitFor(
      "serf marks s3 failed",
      async () =>
        (await serfMembers(serf!.rpcAddr)).find((m) => m.name === "s3")?.status === "failed"
          ? true
          : undefined,
      30_000,
    );
  });
});
