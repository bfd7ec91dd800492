/**
 * 10 % packet loss on every link for 10 simulated minutes at 100 nodes (LAN): indirect probes,
 * TCP fallback pings and Lifeguard must keep false failure detections at zero.
 */
import { describe, expect, it } from "vitest";
import { formCluster } from "../../src/swim/sim/convergence.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/loss.test.ts";
const seed = simSeed(10);
const hint = replayHint(seed, FILE);

describe("10 % packet loss, 100 nodes, 10 minutes", () => {
  it("declares no healthy node failed and keeps every view intact", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    formCluster(sim, 100, 5_000);
    let suspicions = 0;
    sim.onEvent(({ event }) => {
      if (event.kind === "memberSuspected") suspicions++;
    });
    const dropsBefore = sim.network.droppedPackets;
    const sentBefore = sim.totals().packetsSent;
    sim.setLoss(0.1);
    sim.runFor(600_000);
    const dropped = sim.network.droppedPackets - dropsBefore;
    const sent = sim.totals().packetsSent - sentBefore;
    console.log(
      `[sim] 10% loss: ${sent} packets sent, ${dropped} dropped (${((100 * dropped) / sent).toFixed(1)}%), ` +
        `${suspicions} suspicions, ${sim.falsePositives} false failures, ${sim.steps} events`,
    );
    expect(dropped / sent, hint).toBeGreaterThan(0.08);
    expect(dropped / sent, hint).toBeLessThan(0.12);
    expect(sim.invariants!.falsePositives, hint).toEqual([]);
    sim.assertConverged();
  });
});
