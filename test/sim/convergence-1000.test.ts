/**
 * The 1,000-node acceptance run: form a LAN cluster of 1,000 real cores and let it go quiet,
 * then a 480-byte user event and a join must each reach every live node within 1.5 × Serf's
 * model 99.99 % time (3.3 s at 1,000 nodes). The wall time is printed: the issue asks for
 * under 60 s and this run does not meet it yet (about four minutes on the 2-core machine, most
 * of it the formation backlog; see the closing note of issue 3).
 *
 * Why formation dominates: every node must queue an alive message about every other node and
 * send each one retransmitMult × ceil(log10(N+1)) = 16 times, about 16 million message
 * receptions before the queues are quiet; measuring before that is possible but then the
 * update competes with the formation backlog (see src/swim/sim/convergence.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ConvergenceResult } from "../../src/swim/sim/convergence.js";
import { formCluster, measureUpdate } from "../../src/swim/sim/convergence.js";
import { realNodeFactory } from "../../src/swim/sim/real-node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/convergence-1000.test.ts";
const seed = simSeed(1000);
const hint = replayHint(seed, FILE);

describe("a LAN cluster of 1,000 nodes", () => {
  let sim: Simulator;
  let event: ConvergenceResult;
  let join: ConvergenceResult;
  let wallMs = 0;

  beforeAll(() => {
    const started = performance.now();
    sim = new Simulator({ seed, createNode: realNodeFactory, testFile: FILE });
    formCluster(sim, 1_000, 120_000);
    const formedWallMs = performance.now() - started;
    const formedAt = sim.now;
    event = measureUpdate(sim, { update: "userEvent" });
    sim.runFor(2_000);
    join = measureUpdate(sim, { update: "join" });
    wallMs = performance.now() - started;
    console.log(
      `[sim] N=1000: formed and quiet at ${(formedAt / 1000).toFixed(1)} s virtual, ` +
        `${(formedWallMs / 1000).toFixed(1)} s wall; event t50/t99/t100 ` +
        `${event.t50Ms?.toFixed(0)}/${event.t99Ms?.toFixed(0)}/${event.t100Ms?.toFixed(0)} ms ` +
        `(model ${event.model.t50Ms}/${event.model.t99Ms}/${event.model.t9999Ms}); join t100 ` +
        `${join.t100Ms?.toFixed(0)} ms; ${sim.steps} events, ${sim.totals().packetsSent} packets; ` +
        `measurement ${((wallMs - formedWallMs) / 1000).toFixed(1)} s wall; total ${(wallMs / 1000).toFixed(1)} s wall`,
    );
  }, 900_000);

  it("spreads a service-sized user event and a join within 1.5 × the model's 99.99 % time", () => {
    expect(event.reached, `user event reached ${event.reached}/${event.liveNodes} ${hint}`).toBe(
      event.liveNodes,
    );
    expect(event.t100Ms!, `user event t100 ${hint}`).toBeLessThanOrEqual(1.5 * event.model.t9999Ms);
    expect(join.reached, `join reached ${join.reached}/${join.liveNodes} ${hint}`).toBe(join.liveNodes);
    expect(join.t100Ms!, `join t100 ${hint}`).toBeLessThanOrEqual(1.5 * join.model.t9999Ms);
    expect(sim.falsePositives, hint).toBe(0);
  });
});
