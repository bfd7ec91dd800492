/**
 * A cluster started formed (`Simulator.addFormedCluster`) must be exactly what a join storm
 * leaves behind once quiet: every node sees every other alive, nothing is queued for gossip,
 * traffic is probe-level from the start, and no healthy node is ever declared failed.
 */
import { describe, expect, it } from "vitest";
import type { ShoalNode } from "../../src/swim/core/node.js";
import { QUIET_BYTES_PER_NODE_PER_SEC } from "../../src/swim/sim/convergence.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/formed-cluster.test.ts";
const seed = simSeed(77);
const hint = replayHint(seed, FILE);

describe("a cluster started formed", () => {
  it("is converged, has nothing queued, stays quiet and has no false failures", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    const indices = sim.addFormedCluster(50);
    sim.assertConverged();
    for (const index of indices) {
      const core = sim.node(index).core as ShoalNode;
      expect(core.members().filter((m) => m.status === "alive")).toHaveLength(50);
      expect(core.queueDepths(), hint).toEqual({ intents: 0, queries: 0, events: 0, extension: 0 });
    }
    const before = sim.totals().bytesSent;
    sim.runFor(30_000);
    const perNodePerSec = (sim.totals().bytesSent - before) / 50 / 30;
    expect(perNodePerSec, hint).toBeLessThan(QUIET_BYTES_PER_NODE_PER_SEC);
    expect(sim.falsePositives, hint).toBe(0);
    sim.assertConverged();
  });

  it("refuses to mix with nodes created before it", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    sim.addNode();
    expect(() => sim.addFormedCluster(3)).toThrow(/empty simulator/);
  });
});
