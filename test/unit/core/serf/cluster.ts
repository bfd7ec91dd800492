/**
 * Small simulated clusters of real Shoal nodes (memberlist + Serf) for the facade's unit
 * tests: the seeded simulator with zero loss, per-node Serf settings and an optional
 * extension, and every event recorded.
 */
import type { MemberView, SwimEvent } from "../../../../src/swim/core/api.js";
import { localConfig } from "../../../../src/swim/core/config.js";
import type { MemberlistConfig } from "../../../../src/swim/core/config.js";
import { createSwimNode } from "../../../../src/swim/core/node.js";
import type { SerfConfig, ShoalNode, SwimExtension } from "../../../../src/swim/core/node.js";
import { Simulator } from "../../../../src/swim/sim/simulator.js";

/** Options of {@link cluster}. */
export interface ClusterOptions {
  readonly seed?: number;
  readonly memberlist?: MemberlistConfig;
  readonly serf?: Partial<SerfConfig>;
  /** An extension for node `index`, if any. */
  readonly extension?: (index: number) => SwimExtension | undefined;
  readonly tags?: Readonly<Record<string, string>>;
}

/** A running cluster. */
export interface Cluster {
  readonly sim: Simulator;
  /** The node at `index`, with its Serf extras. */
  node(index: number): ShoalNode;
  /** Events node `index` reported, oldest first. */
  events(index: number): SwimEvent[];
  /** Events of one kind that node `index` reported. */
  eventsOf<K extends SwimEvent["kind"]>(index: number, kind: K): Extract<SwimEvent, { kind: K }>[];
  /** Node `index`'s view of `name`. */
  view(index: number, name: string): MemberView | undefined;
  /** Name of node `index`. */
  name(index: number): string;
}

/**
 * `n` nodes on the local memberlist preset (fast timers), each joined to node 0 and settled
 * for `settleMs`, with no loss.
 */
export function cluster(n: number, options: ClusterOptions = {}, settleMs = 3_000): Cluster {
  const sim = new Simulator({
    seed: options.seed ?? 1,
    createNode: (a) =>
      createSwimNode({
        name: a.name,
        advertise: a.advertise,
        memberlist: a.memberlist,
        rng: a.rng,
        nowMs: a.nowMs,
        tags: options.tags ?? a.tags,
        ...(options.serf === undefined ? {} : { serf: options.serf }),
        ...(options.extension?.(a.index) === undefined ? {} : { extension: options.extension(a.index)! }),
      }),
    memberlist: options.memberlist ?? localConfig(),
    recordEvents: true,
    testFile: "test/unit/core/serf",
  });
  sim.addNodes(n);
  for (let i = 1; i < n; i++) sim.join(i, [0]);
  sim.runFor(settleMs);
  const c: Cluster = {
    sim,
    node: (i) => sim.node(i).core as ShoalNode,
    events: (i) => sim.node(i).events.map((r) => r.event),
    eventsOf: <K extends SwimEvent["kind"]>(i: number, kind: K) =>
      c.events(i).filter((e): e is Extract<SwimEvent, { kind: K }> => e.kind === kind),
    view: (i, name) =>
      sim
        .node(i)
        .core.members()
        .find((m) => m.name === name),
    name: (i) => sim.node(i).name,
  };
  return c;
}
