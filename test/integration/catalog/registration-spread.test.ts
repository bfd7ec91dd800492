/**
 * Registration-to-visible-everywhere time on 10 real agent processes (LAN profile), held
 * against the simulator's bound for the same settings: 1.5 × Serf's model time for 99.99 % of
 * 10 nodes. test/sim/catalog-spread.test.ts holds the simulated protocol to that bound for this
 * very kind of message: a catalog record of this size (one Shoal extension message, not a user
 * event) spread by the agent's real catalog gossip on 10 LAN nodes.
 *
 * t0 is taken just before the PUT is sent: the agent gossips the record as soon as it applies
 * it, before the fsync and the acknowledgement, so a t0 at the ack would hide part of the
 * spread. Each other agent is watched with a blocking catalog query, so arrival is seen the
 * moment its catalog applies the record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lanConfig } from "../../../src/swim/core/config.js";
import { modelSummary } from "../../../src/swim/sim/model.js";
import type { ShoalAgent } from "../../support/shoal-agent.js";
import { startShoalCluster } from "../../support/shoal-cluster.js";

const AGENTS = 10;

/** Resolves with the time at which `agent`'s catalog first lists `service`. */
async function arrivalOf(agent: ShoalAgent, service: string): Promise<number> {
  let index = "0";
  for (;;) {
    const response = await fetch(
      `http://${agent.httpAddr}/v1/catalog/service/${service}?index=${index}&wait=30s`,
    );
    const entries = (await response.json()) as unknown[];
    if (entries.length > 0) return Date.now();
    index = response.headers.get("x-consul-index") ?? index;
  }
}

describe(`a registration on one of ${AGENTS} agent processes`, () => {
  let agents: ShoalAgent[] = [];

  beforeAll(async () => {
    agents = await startShoalCluster("spread", AGENTS);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
  });

  it("is visible on every agent within the simulator's bound for LAN settings", async () => {
    const lan = lanConfig();
    const bound =
      1.5 *
      modelSummary({
        nodes: AGENTS,
        fanout: lan.gossipNodes,
        intervalMs: lan.gossipIntervalMs,
        loss: 0,
        failed: 0,
      }).t9999Ms;
    const spreads: number[] = [];
    for (let round = 0; round < 3; round++) {
      const service = `spread-${round}`;
      const origin = agents[round]!;
      const others = agents.filter((a) => a !== origin);
      const arrivals = others.map((agent) => arrivalOf(agent, service));
      // Let the blocking queries reach their agents before t0.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const t0 = Date.now();
      const response = await origin.send("PUT", "/v1/agent/service/register", {
        Name: service,
        ID: `${service}-1`,
        Port: 8000 + round,
        Meta: { payload: "x".repeat(300) },
      });
      expect(response.status).toBe(200);
      const last = Math.max(...(await Promise.all(arrivals)));
      spreads.push(last - t0);
    }
    console.log(
      `[catalog] registration visible on all ${AGENTS} agents after ${spreads.join(", ")} ms (bound ${bound} ms)`,
    );
    for (const spread of spreads) expect(spread).toBeLessThanOrEqual(bound);
  });
});
