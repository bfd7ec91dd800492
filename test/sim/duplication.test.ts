/**
 * Packet duplication with the real core: 30 % of datagrams on every link arrive twice (a flaky
 * switch or a retransmitting middlebox). Every user event must still be delivered exactly once
 * per node (Serf's de-duplication by Lamport time and name), acks counted once, no invariant
 * broken (the simulator checks after every step) and no healthy node declared failed.
 */
import { describe, expect, it } from "vitest";
import { formCluster } from "../../src/swim/sim/convergence.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/duplication.test.ts";
const seed = simSeed(31);
const hint = replayHint(seed, FILE);

describe("30 % duplicated datagrams, 30 nodes", () => {
  it("delivers each user event once per node and breaks no invariant", () => {
    const sim = new Simulator({
      seed,
      createNode: realNodeFactory,
      testFile: FILE,
      link: { duplicate: 0.3 },
      strictFalsePositives: true,
    });
    formCluster(sim, 30, 5_000);
    const deliveries = new Map<string, number>();
    sim.onEvent(({ node, event }) => {
      if (event.kind !== "userEventReceived") return;
      const key = `${node}|${event.name}|${event.lTime}`;
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
    });
    const duplicatedBefore = sim.network.duplicatedPackets;
    const events = 20;
    for (let i = 0; i < events; i++) {
      sim.at(sim.now + i * 150, () => sim.userEvent((i * 7) % 30, `deploy-${i}`, new Uint8Array([i]), false));
    }
    sim.runFor(30_000);

    const duplicated = sim.network.duplicatedPackets - duplicatedBefore;
    const repeated = [...deliveries].filter(([, count]) => count > 1);
    console.log(
      `[sim] duplication: ${duplicated} datagrams duplicated, ${deliveries.size} deliveries, ` +
        `${repeated.length} repeated; ${sim.invariants!.stepsChecked} steps and ` +
        `${sim.invariants!.selfChecked} self-views checked`,
    );
    expect(duplicated, hint).toBeGreaterThan(500);
    expect(repeated, `user events delivered more than once ${hint}`).toEqual([]);
    // Every event reached every node (the origin included: Serf hands its own events to it too).
    const names = new Set([...deliveries.keys()].map((key) => key.split("|")[1]));
    expect(names.size, hint).toBe(events);
    expect(deliveries.size, `deliveries ${hint}`).toBe(events * 30);
    expect(sim.falsePositives, hint).toBe(0);
    // The per-step checks really ran, on every step.
    expect(sim.invariants!.stepsChecked).toBe(sim.steps);
    expect(sim.invariants!.selfChecked).toBeGreaterThan(0);
    sim.assertConverged();
  });
});
