/**
 * Durability of acknowledged registrations: an agent is killed with SIGKILL in the middle of a
 * burst of 1,000 registrations; after a restart from its data directory, every registration its
 * API acknowledged is back in its local registry and gossiped to the rest of the cluster again.
 *
 * Registrations are gossiped as they are applied (before the fsync and the ack), and a failed
 * node's records stay in its peers' catalogs, so the peer still holding them after the restart
 * would prove nothing. The peer is therefore made to forget the victim first (force-leave with
 * prune, until `/v1/catalog/node/<victim>` is gone): whatever it holds afterwards can only have
 * come from the restarted agent.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/serf-agent.js";
import { startShoalAgent, type ShoalAgent } from "../../support/shoal-agent.js";
import { MEMBER_ALIVE, waitForAlive } from "../../support/shoal-cluster.js";

/** Consul's member status code for failed. */
const MEMBER_FAILED = 4;

const BURST = 1_000;
const IN_FLIGHT = 16;
const KILL_AFTER_ACKS = 400;

describe("kill -9 during a burst of registrations", () => {
  const agents: ShoalAgent[] = [];
  let dataDir = "";

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "shoal-burst-"));
    agents.push(await startShoalAgent({ name: "burst-1", dataDir, profile: "local" }));
    agents.push(
      await startShoalAgent({ name: "burst-2", join: [`127.0.0.1:${agents[0]!.port}`], profile: "local" }),
    );
    await waitForAlive(agents, 2);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("loses no acknowledged registration, and the restarted agent gossips them again", async () => {
    const [victim, peer] = [agents[0]!, agents[1]!];
    const acked: string[] = [];
    let next = 0;
    let killing: Promise<void> | undefined;
    const worker = async (): Promise<void> => {
      while (next < BURST) {
        const id = `burst-${next++}`;
        try {
          const response = await victim.send("PUT", "/v1/agent/service/register", {
            Name: "burst",
            ID: id,
            Port: 10_000 + next,
          });
          if (response.status === 200) acked.push(id);
        } catch {
          return; // the agent is gone: this request was never acknowledged
        }
        if (acked.length >= KILL_AFTER_ACKS && killing === undefined) killing = victim.kill();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killing;
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acked.length).toBeLessThan(BURST);

    // The peer learns of the failure (probe + suspicion, a few seconds with "local"), then
    // forgets the victim and its records, so nothing it holds later predates the restart.
    await waitFor(
      "the peer to see the victim failed",
      async () => {
        const members = await peer.get<{ Name: string; Status: number }[]>("/v1/agent/members");
        return members.some((m) => m.Name === "burst-1" && m.Status === MEMBER_FAILED) ? true : undefined;
      },
      30_000,
    );
    const forced = await peer.send("PUT", "/v1/agent/force-leave/burst-1?prune");
    expect(forced.status).toBe(200);
    await waitFor(
      "the peer to forget the victim's catalog records",
      async () => ((await peer.get<unknown>("/v1/catalog/node/burst-1")) === null ? true : undefined),
      30_000,
    );
    expect(await peer.get<unknown[]>("/v1/catalog/service/burst")).toEqual([]);
    // Every index the peer hands out from now on is above this one.
    const forgottenAt = Number(
      (await peer.send("GET", "/v1/catalog/services")).headers.get("x-consul-index"),
    );
    expect(forgottenAt).toBeGreaterThan(0);

    const restarted = await startShoalAgent({
      name: "burst-1",
      port: victim.port,
      dataDir,
      profile: "local",
      startTimeoutMs: 60_000,
    });
    agents[0] = restarted;
    const local = await restarted.get<Record<string, unknown>>("/v1/agent/services");
    const missingLocally = acked.filter((id) => !(id in local));
    expect(missingLocally, "acknowledged but not restored").toEqual([]);

    await waitForAlive(agents, 2);
    const services = await waitFor(
      "the peer's catalog to hold every acknowledged registration again",
      async () => {
        const node = await peer.get<{ Services: Record<string, { ModifyIndex: number }> } | null>(
          "/v1/catalog/node/burst-1",
        );
        if (node === null) return undefined;
        return acked.every((id) => id in node.Services) ? node.Services : undefined;
      },
      30_000,
    );
    const stale = acked.filter((id) => services[id]!.ModifyIndex <= forgottenAt);
    expect(stale, "records not re-learned after the restart").toEqual([]);
    const members = await peer.get<{ Name: string; Status: number }[]>("/v1/agent/members");
    expect(members.find((m) => m.Name === "burst-1")?.Status).toBe(MEMBER_ALIVE);
    console.log(
      `[catalog] ${acked.length} registrations acknowledged before kill -9; all restored and gossiped again`,
    );
  });
});
