/**
 * Five agent containers form a cluster by DNS names alone; a SIGKILLed container is marked
 * failed by every other agent within the suspicion bound, and its service instance leaves the
 * `?passing` health results everywhere.
 */
import { expect, inject, it, onTestFinished } from "vitest";
import type { AgentContainer } from "../support/container-agent.js";
import { MemberStatus, ShoalCluster, namesWithStatus, waitFor } from "../support/container-cluster.js";
import { killContainer } from "../support/container-docker.js";
import { describeWithDocker } from "../support/requirements.js";
import { LAN, failureDetectionBoundMs } from "./timing.js";

interface HealthEntry {
  readonly Node: { readonly Node: string };
}

describeWithDocker()("container cluster: formation and crash detection", () => {
  it("forms by DNS names, then marks a killed container failed everywhere within the bound", async () => {
    const cluster = await ShoalCluster.start({ image: inject("shoalImage"), prefix: "form", size: 5 });
    onTestFinished(() => cluster.close());
    const names = [...cluster.names];

    const formedMs = await cluster.waitForAlive(names, 30_000);
    console.log(`[container] 5 agents formed a cluster ${Math.round(formedMs)} ms after all started`);

    // One instance of "web" per node, so "leaves the passing results" is observable.
    await Promise.all(
      cluster.running().map((n) => n.register({ ID: `web-${n.node}`, Name: "web", Port: 80 })),
    );
    const passingNodes = async (on: AgentContainer): Promise<string[]> =>
      (await on.get<HealthEntry[]>("/v1/health/service/web?passing")).map((e) => e.Node.Node).sort();
    await waitFor(
      "every agent to list 5 passing web instances",
      async () => (await Promise.all(cluster.running().map(passingNodes))).every((v) => v.length === 5),
      30_000,
    );

    const victim = cluster.node("n3");
    await killContainer(victim.id);
    const killedAt = performance.now();
    cluster.drop("n3");
    const survivors = cluster.running();
    const boundMs = failureDetectionBoundMs(LAN, 5);
    const detectedAt = new Map<string, number>();
    await waitFor(
      "every survivor to mark n3 failed",
      async () => {
        await Promise.all(
          survivors.map(async (n) => {
            if (detectedAt.has(n.node)) return;
            const failed = await namesWithStatus(n, MemberStatus.failed);
            if (failed.includes("n3")) detectedAt.set(n.node, performance.now() - killedAt);
          }),
        );
        return detectedAt.size === survivors.length;
      },
      boundMs + 10_000,
      200,
    );
    const slowest = Math.max(...detectedAt.values());
    console.log(
      `[container] kill -9 of n3 detected by all 4 survivors in ${Math.round(slowest)} ms ` +
        `(per agent: ${[...detectedAt].map(([k, v]) => `${k}=${Math.round(v)}`).join(" ")}; bound ${boundMs} ms)`,
    );
    expect(slowest).toBeLessThanOrEqual(boundMs);

    for (const n of survivors) {
      const passing = await passingNodes(n);
      expect(passing, `${n.node}'s passing web instances`).toEqual(["n1", "n2", "n4", "n5"]);
    }
  });
});
