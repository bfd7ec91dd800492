/**
 * Fairness of piggybacking during a join storm (memberlist#299): 100 LAN nodes join over 3 s,
 * and halfway through, with membership gossip at its peak, one node fires a 506-byte user
 * event (Serf's 512-byte encoded limit) and another a 590-byte extension (catalog) message.
 * memberlist fills packets from its own queue first, so without a reserve the alive messages
 * of the storm starve both; Shoal keeps `userBroadcastReserveBytes` (600) of every packet for
 * Serf's queues while they hold anything, and Serf's queues share it head-first.
 *
 * Measured over the nodes that had joined when the update started (later joiners get events
 * only if they happen to still be gossiped: a join without replay ignores older events).
 */
import { describe, expect, it } from "vitest";
import { lanConfig } from "../../src/swim/core/config.js";
import { createSwimNode, type ShoalNode } from "../../src/swim/core/node.js";
import { Simulator } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/broadcast-fairness.test.ts";
const seed = simSeed(7);
const hint = replayHint(seed, FILE);
const N = 100;
const STORM_MS = 3_000;

interface Outcome {
  /** Time from the update until every early joiner had the user event, ms. */
  readonly eventMs: number;
  /** Same for the extension message. */
  readonly extensionMs: number;
  /** Time from the update until every node saw every node alive, ms. */
  readonly formedMs: number;
  readonly early: number;
}

function run(reserveBytes: number): Outcome {
  const extSeen = new Map<number, number>();
  // Assigned right below; the factory's callbacks run only after that.
  // eslint-disable-next-line prefer-const
  let sim: Simulator;
  const nodeOf = (i: number): ShoalNode => sim.node(i).core as ShoalNode;
  sim = new Simulator({
    seed,
    testFile: FILE,
    memberlist: { ...lanConfig(), userBroadcastReserveBytes: reserveBytes },
    createNode: (a) =>
      createSwimNode({
        name: a.name,
        advertise: a.advertise,
        memberlist: a.memberlist,
        rng: a.rng,
        nowMs: a.nowMs,
        extension: {
          messageType: 200,
          // Like the catalog: re-gossip what is news.
          onMessage: (payload) => {
            if (extSeen.has(a.index)) return;
            extSeen.set(a.index, sim.now);
            nodeOf(a.index).broadcastExtension("svc", payload.slice());
          },
          localState: () => undefined,
          mergeRemoteState: () => undefined,
        },
      }),
  });
  sim.addNodes(N);
  for (let i = 1; i < N; i++) sim.at(sim.rng.int(STORM_MS), () => sim.join(i, [0]));
  const joined = new Set<number>([0]);
  const eventSeen = new Map<number, number>();
  sim.onEvent(({ node, event, timeMs }) => {
    if (event.kind === "joinCompleted") joined.add(node);
    if (event.kind === "userEventReceived" && !eventSeen.has(node)) eventSeen.set(node, timeMs);
  });
  sim.runFor(STORM_MS / 2);
  const t0 = sim.now;
  const early = [...joined];
  sim.userEvent(early[1]!, "service", new Uint8Array(467).fill(115));
  const extOrigin = early[2]!;
  extSeen.set(extOrigin, t0);
  nodeOf(extOrigin).broadcastExtension("svc", new Uint8Array(590).fill(1));
  const reachedAll = (seen: Map<number, number>): boolean => early.every((i) => seen.has(i));
  sim.runUntilTrue(() => reachedAll(eventSeen) && reachedAll(extSeen), t0 + 30_000, 50);
  const last = (seen: Map<number, number>): number =>
    Math.max(...early.map((i) => seen.get(i) ?? Infinity)) - t0;
  const formedAt = sim.runUntilTrue(
    () => sim.allNodes().every((n) => n.core.members().filter((m) => m.status === "alive").length === N),
    t0 + 60_000,
    100,
  );
  expect(sim.falsePositives, `false failure detections ${hint}`).toBe(0);
  return {
    eventMs: last(eventSeen),
    extensionMs: last(extSeen),
    formedMs: (formedAt ?? Infinity) - t0,
    early: early.length,
  };
}

describe(`broadcast fairness during a join storm (${N} LAN nodes)`, () => {
  it("a max-size user event and a 590-byte catalog message get through while the storm lasts", () => {
    const fair = run(lanConfig().userBroadcastReserveBytes);
    const starved = run(0);
    console.log(
      `[sim] join storm, ${fair.early} early joiners: reserve ${lanConfig().userBroadcastReserveBytes} B: event ` +
        `${fair.eventMs.toFixed(0)} ms, catalog ${fair.extensionMs.toFixed(0)} ms, all alive ${fair.formedMs.toFixed(0)} ms; ` +
        `reserve 0: event ${starved.eventMs.toFixed(0)} ms, catalog ${starved.extensionMs.toFixed(0)} ms, ` +
        `all alive ${starved.formedMs.toFixed(0)} ms`,
    );
    expect(fair.eventMs, `user event too slow ${hint}`).toBeLessThan(1_500);
    expect(fair.extensionMs, `catalog message too slow ${hint}`).toBeLessThan(2_500);
    // Without the reserve the storm starves them (what memberlist#299 describes)...
    expect(starved.eventMs, `no starvation without the reserve? ${hint}`).toBeGreaterThan(2 * fair.eventMs);
    // ...and the reserve costs membership convergence nothing worth mentioning.
    expect(fair.formedMs, `membership converged much later ${hint}`).toBeLessThan(starved.formedMs + 2_000);
  });
});
