/**
 * Restarts with a data volume. A container replaced by a new one on the same named volume
 * rejoins by itself (its retry-join names) and still has its registrations; a container killed
 * with SIGKILL and recreated on its volume with no join setting at all rejoins from the member
 * snapshot in its data dir; a rolling restart of all five (`docker restart`: SIGTERM, graceful
 * leave, start) loses no registration.
 */
import { expect, inject, it, onTestFinished } from "vitest";
import type { AgentContainer } from "../support/container-agent.js";
import { MemberStatus, ShoalCluster, namesWithStatus, waitFor } from "../support/container-cluster.js";
import { containerIp, killContainer, removeContainer } from "../support/container-docker.js";
import { describeWithDocker } from "../support/requirements.js";

const serviceOf = (node: string): string => `svc-${node}`;

/** True when `agent`'s catalog has every node's service, each with a passing instance. */
async function hasAllPassing(agent: AgentContainer, nodes: readonly string[]): Promise<boolean> {
  const counts = await Promise.all(
    nodes.map(async (n) => (await agent.get<unknown[]>(`/v1/health/service/${serviceOf(n)}?passing`)).length),
  );
  return counts.every((c) => c === 1);
}

describeWithDocker()("container cluster: restarts with data volumes", () => {
  it("rejoins replaced and crashed containers with their registrations; a rolling restart loses none", async () => {
    const cluster = await ShoalCluster.start({
      image: inject("shoalImage"),
      prefix: "restart",
      size: 5,
      volumes: true,
    });
    onTestFinished(() => cluster.close());
    const all = [...cluster.names];
    await cluster.waitForAlive(all, 30_000);
    await Promise.all(
      cluster.running().map((n) => n.register({ ID: serviceOf(n.node), Name: serviceOf(n.node), Port: 80 })),
    );
    const converged = (what: string): Promise<number> =>
      waitFor(
        what,
        async () => {
          const agents = cluster.running();
          const views = await Promise.all(agents.map((n) => namesWithStatus(n, MemberStatus.alive)));
          if (!views.every((v) => v.join(",") === all.join(","))) return false;
          return (await Promise.all(agents.map((n) => hasAllPassing(n, all)))).every(Boolean);
        },
        60_000,
        500,
      );
    await converged("every agent to list all 5 services passing");

    // Replace n2's container: a new container, the same volume, no join command from outside.
    await cluster.node("n2").stopAndRemove();
    cluster.drop("n2");
    await waitFor(
      "the others to see n2 leave",
      async () => (await namesWithStatus(cluster.node("n1"), MemberStatus.left)).includes("n2"),
      30_000,
    );
    const replaced = await cluster.startNode("n2");
    const rejoinMs = await converged("the replaced n2 to rejoin with its service");
    const own = await replaced.get<Record<string, unknown>>("/v1/agent/services");
    expect(Object.keys(own)).toEqual([serviceOf("n2")]);
    console.log(
      `[container] replaced container n2 rejoined with its registration in ${Math.round(rejoinMs)} ms`,
    );

    const rollStart = performance.now();
    for (const name of all) {
      await cluster.node(name).restart();
      await converged(`the cluster after restarting ${name}`);
    }
    console.log(
      `[container] rolling restart of 5 agents, converged after each: ${Math.round(performance.now() - rollStart)} ms`,
    );
    for (const n of cluster.running()) expect(await hasAllPassing(n, all), `${n.node}'s catalog`).toBe(true);

    // Last, since a node without join settings cannot come back from a graceful restart (its
    // snapshot then records the leave, as Serf's does). kill -9 n3 (no leave: its snapshot
    // still lists its peers) and recreate it on the same volume without any join setting: only
    // the snapshot can bring it back. Same address: the others hold n3 as failed there, and
    // memberlist refuses a failed member's name from a new address (deadNodeReclaimTime 0).
    const n3Ip = await containerIp(cluster.node("n3").id, cluster.network.name);
    const n3Id = cluster.node("n3").id;
    await killContainer(n3Id);
    cluster.drop("n3");
    await waitFor(
      "the others to mark n3 failed",
      async () => (await namesWithStatus(cluster.node("n1"), MemberStatus.failed)).includes("n3"),
      60_000,
    );
    await removeContainer(n3Id);
    const recreatedAt = performance.now();
    const recreated = await cluster.startNode("n3", { retryJoin: false, ipv4: n3Ip });
    const snapshotRejoinMs = await converged("the recreated n3 to rejoin from its snapshot");
    expect(Object.keys(await recreated.get<Record<string, unknown>>("/v1/agent/services"))).toEqual([
      serviceOf("n3"),
    ]);
    expect(await recreated.logs(), "n3 rejoined through its snapshot").toMatch(
      /snapshot peers: joined through/,
    );
    console.log(
      `[container] n3 killed (SIGKILL) and recreated without join settings rejoined from its snapshot ` +
        `with its registration in ${Math.round(snapshotRejoinMs)} ms (${Math.round(performance.now() - recreatedAt)} ms ` +
        `from the start of the new container)`,
    );
  });
});
