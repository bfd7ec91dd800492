/**
 * A node SIGSTOPped for 5 s in a 50-node LAN cluster (suspicion min = 4 × log10(50) s ≈ 6.8 s):
 * peers suspect it, it refutes as soon as it runs again (its kernel kept the suspect messages),
 * and no healthy node is declared failed, neither by the peers nor by the resumed node, whose
 * overdue probe timers fire only after it has read its buffered acks (Lifeguard's concern).
 */
import { describe, expect, it } from "vitest";
import { formCluster } from "../../src/swim/sim/convergence.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/pause.test.ts";
const seed = simSeed(5);
const hint = replayHint(seed, FILE);

describe("a node paused for 5 s (50 nodes, LAN)", () => {
  it("is suspected, refutes on resume, and no healthy node is declared failed", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    formCluster(sim, 50, 5_000);
    const paused = 17;
    const name = sim.node(paused).name;
    const suspectedAt: number[] = [];
    const refutedAt: { at: number; incarnation: number }[] = [];
    const failedAt: { at: number; observer: string }[] = [];
    sim.onEvent(({ node, event, timeMs }) => {
      if (event.kind === "memberSuspected" && event.member.name === name) suspectedAt.push(timeMs);
      if (event.kind === "memberFailed" && event.member.name === name)
        failedAt.push({ at: timeMs, observer: sim.node(node).name });
      if (event.kind === "refuted" && node === paused)
        refutedAt.push({ at: timeMs, incarnation: event.incarnation });
    });
    const pausedAt = sim.now;
    sim.pause(paused);
    sim.runFor(5_000);
    const resumedAt = sim.now;
    sim.resume(paused);
    sim.runFor(60_000);

    expect(
      suspectedAt.filter((t) => t > pausedAt && t <= resumedAt).length,
      `never suspected ${hint}`,
    ).toBeGreaterThan(0);
    expect(refutedAt.length, `never refuted ${hint}`).toBeGreaterThan(0);
    expect(refutedAt[0]!.at, hint).toBeGreaterThanOrEqual(resumedAt);
    expect(
      refutedAt[0]!.at - resumedAt,
      `refuted ${refutedAt[0]!.at - resumedAt} ms after resume ${hint}`,
    ).toBeLessThan(1_000);
    expect(refutedAt[0]!.incarnation, hint).toBeGreaterThan(1);
    expect(sim.invariants!.falsePositives, `healthy nodes declared failed ${hint}`).toEqual([]);
    // The invariant checker excuses verdicts about an impaired (here: paused) node, so check the
    // paused node itself: a 5 s stall is shorter than the suspicion minimum (6.8 s), so nobody
    // may declare it failed while it is stopped; it refutes within a second of resuming, so
    // nobody does afterwards either.
    expect(
      failedAt.filter(({ at }) => at > pausedAt && at <= resumedAt),
      `verdicts about ${name} during the pause ${hint}`,
    ).toEqual([]);
    expect(failedAt, `verdicts about ${name} at any time ${hint}`).toEqual([]);
    console.log(
      `[sim] pause: first suspicion ${suspectedAt[0]! - pausedAt} ms into the pause, refuted ` +
        `${refutedAt[0]!.at - resumedAt} ms after resume with incarnation ${refutedAt[0]!.incarnation}; ` +
        `${failedAt.length} failure verdicts about the paused node`,
    );
    sim.assertConverged();
  });
});
