/**
 * A 50/50 partition of 20 LAN nodes for 60 s: each side declares the other failed; after the
 * heal, every view agrees again (all 20 alive everywhere) within two push/pull intervals
 * (30 s each at 20 nodes, memberlist scales it only above 32). Serf's reconnect interval is
 * also 30 s, and it is what rejoins the other side once memberlist has reaped it.
 */
import { expect, it } from "vitest";
import { formCluster } from "../../src/swim/sim/convergence.js";
import { REAL_NODE_HAS_SERF, realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { describeWhen } from "../support/requirements.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/partition.test.ts";
const seed = simSeed(50);
const hint = replayHint(seed, FILE);

// memberlist alone never heals: after GossipToTheDeadTime each side has reaped the other, and
// push/pull only picks alive peers. Serf's reconnect (retrying failed members) heals it.
const describe = describeWhen(REAL_NODE_HAS_SERF, "the Serf layer in the simulated node (reconnect)");

describe("a 50/50 partition for 60 s (20 nodes, LAN)", () => {
  it("is detected on both sides and heals to one agreed view within two push/pull intervals", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    formCluster(sim, 20, 5_000);
    const left = Array.from({ length: 10 }, (_, i) => i);
    const right = Array.from({ length: 10 }, (_, i) => i + 10);
    sim.partition([left, right]);
    sim.runFor(60_000);
    const seenFromLeft = sim
      .node(0)
      .core.members()
      .find((m) => m.name === sim.node(15).name);
    expect(
      seenFromLeft?.memberlistState ?? "gone",
      `left side still sees the right as alive ${hint}`,
    ).not.toBe("alive");

    const healedAt = sim.now;
    sim.heal();
    const bound = 2 * 30_000;
    const agreedAt = sim.runUntilTrue(() => sim.divergence() === undefined, healedAt + bound, 250);
    console.log(
      `[sim] partition healed: ${agreedAt === undefined ? "no agreement" : `views agree ${agreedAt - healedAt} ms after heal`}`,
    );
    expect(agreedAt, `views still differ after ${bound} ms: ${sim.divergence() ?? ""} ${hint}`).toBeDefined();
    sim.assertConverged();
  });
});
