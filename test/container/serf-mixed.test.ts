/**
 * A mixed cluster: four Shoal containers and one container running Debian's `serf` agent
 * (copied from the host onto the local base image). Both kinds see all five alive, joined by
 * DNS names; when the Serf container is killed, every Shoal agent marks it failed in time.
 */
import { GenericContainer, Wait } from "testcontainers";
import { expect, inject, it, onTestFinished } from "vitest";
import { containerName } from "../support/container-agent.js";
import { MemberStatus, ShoalCluster, namesWithStatus, waitFor } from "../support/container-cluster.js";
import { killContainer, removeContainer, testLabels } from "../support/container-docker.js";
import { describeWithDocker } from "../support/requirements.js";
import { LAN, failureDetectionBoundMs } from "./timing.js";

interface SerfMembers {
  readonly members: readonly { readonly name: string; readonly status: string }[];
}

describeWithDocker()("container cluster: Shoal and Serf together", () => {
  it("forms one cluster with a serf agent and detects its crash", async () => {
    const cluster = await ShoalCluster.start({ image: inject("shoalImage"), prefix: "serf", size: 4 });
    onTestFinished(() => cluster.close());
    const serfName = containerName(cluster.network.name, "serf1");
    onTestFinished(() => removeContainer(serfName));
    const serf = await new GenericContainer(inject("serfImage"))
      .withName(serfName)
      .withNetworkMode(cluster.network.name)
      .withLabels(testLabels(inject("testRunPid")))
      .withCommand([
        "agent",
        "-node=serf1",
        "-bind=0.0.0.0:7946",
        "-retry-interval=1s",
        ...cluster.names.map((n) => `-retry-join=${containerName(cluster.network.name, n)}`),
      ])
      .withWaitStrategy(Wait.forLogMessage(/Join completed/))
      .withStartupTimeout(60_000)
      .start();

    const all = [...cluster.names, "serf1"];
    const formedMs = await cluster.waitForAlive(all, 30_000);
    await waitFor(
      "serf to see all 5 alive",
      async () => {
        const out = await serf.exec(["serf", "members", "-format=json"]);
        const alive = (JSON.parse(out.stdout) as SerfMembers).members.filter((m) => m.status === "alive");
        return (
          alive
            .map((m) => m.name)
            .sort()
            .join(",") === [...all].sort().join(",")
        );
      },
      30_000,
      500,
    );
    console.log(
      `[container] 4 Shoal + 1 serf container agreed on 5 alive members within ${Math.round(formedMs)} ms`,
    );

    await killContainer(serf.getId());
    const killedAt = performance.now();
    const boundMs = failureDetectionBoundMs(LAN, 5);
    await waitFor(
      "every Shoal agent to mark serf1 failed",
      async () =>
        (await Promise.all(cluster.running().map((n) => namesWithStatus(n, MemberStatus.failed)))).every(
          (f) => f.includes("serf1"),
        ),
      boundMs + 10_000,
      200,
    );
    const detectedMs = performance.now() - killedAt;
    console.log(
      `[container] kill -9 of the serf container detected by all Shoal agents in ${Math.round(detectedMs)} ms`,
    );
    expect(detectedMs).toBeLessThanOrEqual(boundMs);
  });
});
