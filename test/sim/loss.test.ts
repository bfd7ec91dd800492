/**
 * 10 % packet loss on every link for 10 simulated minutes at 100 nodes (LAN): indirect probes,
 * TCP fallback pings and Lifeguard must keep false failure detections at zero.
 *
 * The loss applies to TCP too (network.ts: each lost segment costs a retransmission timeout of
 * at least 1 s, more than the ~500 ms a TCP fallback ping has left), so some probes do fail,
 * healthy nodes get suspected and must refute: the test asserts that this path really runs,
 * not only that nothing went wrong.
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
    let refutations = 0;
    sim.onEvent(({ event }) => {
      if (event.kind === "memberSuspected") suspicions++;
      else if (event.kind === "refuted") refutations++;
    });
    const segmentsBefore = sim.network.droppedSegments;
    const dropsBefore = sim.network.droppedPackets;
    const sentBefore = sim.totals().packetsSent;
    sim.setLoss(0.1);
    sim.runFor(600_000);
    const dropped = sim.network.droppedPackets - dropsBefore;
    const sent = sim.totals().packetsSent - sentBefore;
    console.log(
      `[sim] 10% loss: ${sent} packets sent, ${dropped} dropped (${((100 * dropped) / sent).toFixed(1)}%), ` +
        `${sim.network.droppedSegments - segmentsBefore} TCP segments lost, ${suspicions} suspicions, ` +
        `${refutations} refutations, ${sim.falsePositives} false failures, ${sim.steps} events`,
    );
    expect(suspicions, `suspicions ${hint}`).toBeGreaterThan(0);
    expect(refutations, `refutations ${hint}`).toBeGreaterThan(0);
    expect(dropped / sent, hint).toBeGreaterThan(0.08);
    expect(dropped / sent, hint).toBeLessThan(0.12);
    expect(sim.invariants!.falsePositives, hint).toEqual([]);
    // While loss goes on, some healthy node is nearly always under suspicion somewhere, waiting
    // for its refutation to get through; what must never happen is a running node seen dead.
    const running = new Set(sim.runningIndices().map((i) => sim.node(i).name));
    const seenDown = sim.runningIndices().flatMap((i) =>
      sim
        .node(i)
        .core.members()
        .filter(
          (m) => running.has(m.name) && m.memberlistState !== "alive" && m.memberlistState !== "suspect",
        )
        .map((m) => `${sim.node(i).name} sees ${m.name} ${m.memberlistState}`),
    );
    expect(seenDown, hint).toEqual([]);
    // Once the loss stops, the outstanding suspicions are refuted (or expire into false failures,
    // which the invariant checker would count) and every view agrees within one suspicion
    // minimum (8 s at 100 nodes) plus dissemination.
    sim.setLoss(0);
    const lossEnd = sim.now;
    const settledAt = sim.runUntilTrue(() => sim.divergence() === undefined, lossEnd + 30_000, 500);
    console.log(
      `[sim] views agree ${settledAt === undefined ? "not within 30 s" : `${settledAt - lossEnd} ms`} after loss stops`,
    );
    sim.assertConverged();
    expect(sim.invariants!.falsePositives, hint).toEqual([]);
  });
});
