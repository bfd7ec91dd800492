/**
 * 10 % of the packets every container receives are dropped (iptables `statistic` match in each
 * container's network namespace, set from the host with nsenter: the kernel has no netem) for
 * five minutes. SWIM's indirect probes and Lifeguard must keep every agent from declaring a
 * healthy peer failed: zero false failures, counted from every agent's member-event stream.
 */
import { expect, inject, it, onTestFinished } from "vitest";
import { MemberStatus, ShoalCluster, namesWithStatus } from "../support/container-cluster.js";
import { addInboundLoss, containerPid, droppedPackets } from "../support/container-docker.js";
import { watchMemberEvents } from "../support/container-events.js";
import { describeWithDocker } from "../support/requirements.js";

/** The issue asks for 5 minutes; SHOAL_LOSS_MS shortens it for local iteration only. */
const LOSS_MS = Number(process.env["SHOAL_LOSS_MS"] ?? 5 * 60_000);
const LOSS = 0.1;

describeWithDocker()("container cluster: packet loss", () => {
  it("keeps 5 agents free of false failures under 10 % loss for 5 minutes", async () => {
    const cluster = await ShoalCluster.start({
      image: inject("shoalImage"),
      prefix: "loss",
      size: 5,
      // No member-event coalescing (as in Serf, a failure refuted within the 1 s quiescent
      // window would otherwise never reach the stream): every false failure must show.
      env: { SHOAL_COALESCE_PERIOD: "0" },
    });
    onTestFinished(() => cluster.close());
    const all = [...cluster.names];
    await cluster.waitForAlive(all, 30_000);

    const watches = await Promise.all(
      cluster.running().map((n) => watchMemberEvents(n, ["member-failed", "member-leave"])),
    );
    onTestFinished(() => watches.forEach((w) => w.close()));
    const pids = await Promise.all(cluster.running().map((n) => containerPid(n.id)));
    await Promise.all(pids.map((pid) => addInboundLoss(pid, LOSS, 8500)));

    // Polls catch a member that stays failed; the streams catch one refuted within a poll.
    const notAlive: string[] = [];
    const end = performance.now() + LOSS_MS;
    while (performance.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      for (const n of cluster.running()) {
        const alive = await namesWithStatus(n, MemberStatus.alive);
        if (alive.length !== all.length) notAlive.push(`${n.node} saw alive ${alive.join(",")}`);
      }
    }
    const dropped = await Promise.all(pids.map(droppedPackets));
    const falseFailures = watches.flatMap((w, i) =>
      w.events.map((e) => `${all[i]}: ${e.Type} ${e.Members.map((m) => m.Name).join(",")}`),
    );
    console.log(
      `[container] ${LOSS * 100} % inbound loss for ${LOSS_MS / 1000} s: ${falseFailures.length} false failure ` +
        `events, ${notAlive.length} polls with a non-alive member; packets dropped per container: ${dropped.join(", ")}`,
    );
    expect(Math.min(...dropped), "the loss rule dropped packets in every container").toBeGreaterThan(0);
    expect(falseFailures).toEqual([]);
    expect(notAlive).toEqual([]);
  });
});
