/**
 * The simulator's bound for a catalog record, which the 10-process test
 * (test/integration/catalog/registration-spread.test.ts) holds real agents to. Catalog records
 * do not travel as user events: they are Shoal extension messages in their own broadcast queue,
 * re-queued by every node that learns them. So each simulated node here runs the agent's real
 * catalog (CatalogStore + CatalogGossip) on the real protocol core, and one node registers a
 * record the size of the integration test's (a 300-byte Meta value), with the same LAN
 * settings and cluster size. Arrival is the moment a node's catalog applies the record, as the
 * integration test's blocking queries observe it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CatalogGossip } from "../../src/agent/catalog/catalog-gossip.js";
import { CatalogStore } from "../../src/agent/catalog/catalog-store.js";
import { encodeUpdate } from "../../src/agent/catalog/wire.js";
import { createSwimNode } from "../../src/swim/core/node.js";
import { formCluster } from "../../src/swim/sim/convergence.js";
import { modelSummary } from "../../src/swim/sim/model.js";
import { Simulator, type NodeFactory } from "../../src/swim/sim/simulator.js";
import { replayHint, simSeed } from "./sim-seed.js";

const FILE = "test/sim/catalog-spread.test.ts";
const seed = simSeed(7);
const hint = replayHint(seed, FILE);
/** As in the integration test. */
const NODES = 10;

interface CatalogNode {
  readonly store: CatalogStore;
  readonly gossip: CatalogGossip;
}

describe(`a catalog record on a LAN cluster of ${NODES} simulated agents`, () => {
  const catalogs: CatalogNode[] = [];
  afterEach(() => {
    for (const c of catalogs.splice(0)) c.gossip.stop();
  });

  it("reaches every catalog within 1.5 × the model's 99.99 % time", () => {
    // Read by the catalogs' callbacks, which run only once the simulator exists.
    const clock = { now: (): number => 0 };
    /** Catalog-applied times of the measured record, by node index. */
    const applied = new Map<number, number>();
    const measured = "spread-0-1";
    const createNode: NodeFactory = (args) => {
      const store = new CatalogStore({ node: args.name, address: args.advertise.host, generation: 1 });
      // The gossip's callbacks use `node`, declared below: they run only once it exists.
      const gossip = new CatalogGossip(store, {
        broadcast: (name, payload) => node.broadcastExtension(name, payload),
        invalidate: (name) => node.invalidateExtension(name),
        onApplied: (update) => {
          if (update.entry.id === measured && !applied.has(args.index)) applied.set(args.index, clock.now());
        },
        // Prune timers are real-time; the simulation never needs them.
        pruneIntervalMs: 2 ** 30,
      });
      const node = createSwimNode({
        name: args.name,
        advertise: args.advertise,
        memberlist: args.memberlist,
        rng: args.rng,
        nowMs: args.nowMs,
        tags: args.tags,
        ...(args.formedCluster === undefined ? {} : { formedCluster: args.formedCluster }),
        extension: {
          messageType: gossip.messageType,
          onMessage: (payload, nowMs) => gossip.onMessage(payload, nowMs),
          localState: () => gossip.localState(),
          mergeRemoteState: (state, join, nowMs) => gossip.mergeRemoteState(state, join, nowMs),
        },
      });
      gossip.start();
      catalogs[args.index] = { store, gossip };
      return node;
    };
    const sim = new Simulator({ seed, createNode, testFile: FILE });
    clock.now = () => sim.now;
    formCluster(sim, NODES, 30_000);
    sim.assertConverged();

    const origin = catalogs[0]!.store;
    const t0 = sim.now;
    applied.set(0, t0);
    origin.putLocalService(
      {
        ID: measured,
        Service: "spread-0",
        Tags: [],
        Meta: { payload: "x".repeat(300) },
        Port: 8000,
        Address: "",
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      [],
    );
    const record = origin.localUpdates().find((u) => u.entry.id === measured)!;
    const recordBytes = encodeUpdate(record, Date.now()).length;

    const config = sim.config;
    const model = modelSummary({
      nodes: NODES,
      fanout: config.gossipNodes,
      intervalMs: config.gossipIntervalMs,
      loss: 0,
      failed: 0,
    });
    const bound = 1.5 * model.t9999Ms;
    sim.runUntilTrue(() => applied.size >= NODES, t0 + 30_000);
    expect(applied.size, `record reached ${applied.size}/${NODES} ${hint}`).toBe(NODES);
    const t100 = Math.max(...applied.values()) - t0;
    console.log(
      `[sim] catalog record of ${recordBytes} B on ${NODES} nodes: t100 ${t100.toFixed(0)} ms (bound ${bound} ms)`,
    );
    // Unfragmented, like the integration test's record: one message per gossip, as a user event.
    expect(recordBytes).toBeLessThan(1000);
    expect(t100, `t100 vs bound ${bound} ms ${hint}`).toBeLessThanOrEqual(bound);
    expect(sim.falsePositives, hint).toBe(0);
  });
});
