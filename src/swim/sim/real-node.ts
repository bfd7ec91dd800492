/**
 * The node factory every simulation uses (tests and `shoal simulate`): the real protocol core
 * (memberlist + Serf, `createSwimNode`) moving real codec bytes, never a stand-in.
 */
import { createSwimNode } from "../core/node.js";
import type { NodeFactory } from "./simulator.js";

/**
 * True: simulated nodes include the Serf layer (intents, reconnect of failed members,
 * queries), so scenarios that rely on it (healing a long partition) run.
 */
export const REAL_NODE_HAS_SERF: boolean = true;

/** Builds the real protocol node for a simulated node. */
export const realNodeFactory: NodeFactory = (args) =>
  createSwimNode({
    name: args.name,
    advertise: args.advertise,
    memberlist: args.memberlist,
    rng: args.rng,
    nowMs: args.nowMs,
    tags: args.tags,
    ...(args.formedCluster === undefined ? {} : { formedCluster: args.formedCluster }),
  });
