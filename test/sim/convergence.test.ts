/**
 * Dissemination speed of the real protocol at 10 and 100 nodes (LAN defaults), against Serf's
 * model: a 500-byte user event and a join must reach every live node within 1.5 × the model's
 * 99.99 % time. Definitions of t0 and "knows" are in src/swim/sim/convergence.ts: for the
 * event, t0 is the moment it is fired; for the join, the moment the joiner's push/pull completes.
 */
import { describe, expect, it } from "vitest";
import { formCluster, measureUpdate, runConvergence } from "../../src/swim/sim/convergence.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/convergence.test.ts";
const seed = simSeed(42);
const hint = replayHint(seed, FILE);

describe.each([10, 100])("a LAN cluster of %i nodes", (nodes) => {
  it("spreads a service-sized user event, then a join, within 1.5 × the model's 99.99 % time", () => {
    const sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    formCluster(sim, nodes, 30_000);
    sim.assertConverged();

    const event = measureUpdate(sim, { update: "userEvent" });
    const eventBound = 1.5 * event.model.t9999Ms;
    expect(event.reached, `user event reached ${event.reached}/${event.liveNodes} ${hint}`).toBe(
      event.liveNodes,
    );
    expect(event.t100Ms!, `user event t100 vs bound ${eventBound} ms ${hint}`).toBeLessThanOrEqual(
      eventBound,
    );
    expect(event.t50Ms!).toBeLessThanOrEqual(event.t99Ms!);

    sim.runFor(10_000);
    const join = measureUpdate(sim, { update: "join" });
    const joinBound = 1.5 * join.model.t9999Ms;
    expect(join.reached, `join reached ${join.reached}/${join.liveNodes} ${hint}`).toBe(join.liveNodes);
    expect(join.t100Ms!, `join t100 vs bound ${joinBound} ms ${hint}`).toBeLessThanOrEqual(joinBound);

    expect(sim.falsePositives, hint).toBe(0);
    sim.runFor(5_000);
    sim.assertConverged();
    console.log(
      `[sim] N=${nodes}: event t50/t99/t100 ${event.t50Ms}/${event.t99Ms}/${event.t100Ms} ms ` +
        `(model ${event.model.t50Ms}/${event.model.t99Ms}/${event.model.t9999Ms}), ` +
        `${event.bytesPerNodePerSec.toFixed(0)} B/node/s; join t100 ${join.t100Ms} ms (bound ${joinBound})`,
    );
  });
});

describe("determinism", () => {
  it("the same seed gives the same curve, bytes and event count", () => {
    const run = (): string => {
      const { result } = runConvergence({ nodes: 10, seed, createNode: realNodeFactory, testFile: FILE });
      return JSON.stringify(result);
    };
    const first = run();
    expect(run(), hint).toBe(first);
    const other = runConvergence({ nodes: 10, seed: seed + 1, createNode: realNodeFactory }).result;
    expect(JSON.stringify(other)).not.toBe(first);
  });
});
