/**
 * Catalog scale on real agent processes: 10,000 service instances across a 5-agent cluster,
 * a hundred of them carrying several KB of metadata (more than a UDP packet holds, so they
 * travel in fragments and by TCP push/pull). Every agent ends up with all of them, and the
 * catalog traffic starves no membership message: no agent is ever marked failed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import type { ShoalAgent } from "../../support/shoal-agent.js";
import { MEMBER_ALIVE, startShoalCluster } from "../../support/shoal-cluster.js";

const AGENTS = 5;
const PER_AGENT = 2_000;
const LARGE_PER_AGENT = 20;
/** Consul caps a meta value at 512 characters; eight keys of 500 make a 4 KB record. */
const LARGE_META_KEYS = 8;
const LARGE_META_VALUE = 500;
const IN_FLIGHT = 32;

function largeMeta(): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: LARGE_META_KEYS }, (_, k) => [`blob${k}`, String(k).repeat(LARGE_META_VALUE)]),
  );
}

async function registerMany(agent: ShoalAgent): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < PER_AGENT) {
      const i = next++;
      const large = i < LARGE_PER_AGENT;
      const response = await agent.send("PUT", "/v1/agent/service/register", {
        Name: large ? "scale-large" : "scale",
        ID: `${agent.name}-${i}`,
        Port: 20_000 + i,
        Tags: [`shard-${i % 10}`],
        Meta: large ? largeMeta() : { index: String(i) },
      });
      if (response.status !== 200) throw new Error(`register ${i} on ${agent.name}: ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

describe(`${AGENTS * PER_AGENT} service instances across ${AGENTS} agents`, () => {
  let agents: ShoalAgent[] = [];
  const flaps: string[] = [];
  let watching = true;
  let watcher: Promise<void> | undefined;

  beforeAll(async () => {
    agents = await startShoalCluster("scale", AGENTS);
    // Record any member that any agent ever sees as not alive while the catalog spreads.
    watcher = (async () => {
      while (watching) {
        for (const agent of agents) {
          const members = await agent.get<{ Name: string; Status: number }[]>("/v1/agent/members");
          for (const m of members)
            if (m.Status !== MEMBER_ALIVE) flaps.push(`${agent.name} saw ${m.Name} ${m.Status}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
  }, 90_000);

  afterAll(async () => {
    watching = false;
    await watcher?.catch(() => undefined);
    await Promise.all(agents.map((a) => a.kill()));
  });

  it("reaches every agent, large records included, without starving membership", async () => {
    const started = Date.now();
    await Promise.all(agents.map(registerMany));
    const registeredMs = Date.now() - started;
    const total = AGENTS * (PER_AGENT - LARGE_PER_AGENT);
    const large = AGENTS * LARGE_PER_AGENT;
    for (const agent of agents) {
      await waitFor(
        `${agent.name} to hold all ${AGENTS * PER_AGENT} instances`,
        async () => {
          const small = await agent.get<unknown[]>("/v1/catalog/service/scale");
          const big = await agent.get<{ ServiceMeta: Record<string, string> }[]>(
            "/v1/catalog/service/scale-large",
          );
          const complete =
            small.length === total &&
            big.length === large &&
            big.every((e) => JSON.stringify(e.ServiceMeta) === JSON.stringify(largeMeta()));
          return complete ? true : undefined;
        },
        120_000,
      );
    }
    const everywhereMs = Date.now() - started;
    console.log(
      `[catalog] ${AGENTS * PER_AGENT} instances (${large} with ${LARGE_META_KEYS * LARGE_META_VALUE} B of meta): registered in ${registeredMs} ms, ` +
        `on every agent after ${everywhereMs} ms; membership flaps: ${flaps.length}`,
    );
    expect(flaps).toEqual([]);
  });
});
