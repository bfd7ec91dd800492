/**
 * The node factory every simulation uses (tests and `shoal simulate`): real protocol code and
 * real codec bytes, never a stand-in.
 *
 * Today this is the memberlist layer with Serf-style user events
 * ({@link memberlistNodeFactory}). When the full facade `createSwimNode` (memberlist + Serf,
 * src/swim/core/node.ts) lands, this is the one line to switch:
 *
 *   export const realNodeFactory: NodeFactory = (a) => createSwimNode({ name: a.name,
 *     advertise: a.advertise, memberlist: a.memberlist, tags: a.tags, rng: a.rng, nowMs: a.nowMs });
 */
import { memberlistNodeFactory } from "./memberlist-node.js";
import type { NodeFactory } from "./simulator.js";

/**
 * True when {@link realNodeFactory} includes the Serf layer (membership intents, reconnect of
 * failed members, queries). Scenarios that need it (healing a long partition relies on Serf's
 * reconnect) are skipped loudly while it is false, and fail under `CI=true`.
 */
export const REAL_NODE_HAS_SERF: boolean = false;

/** Builds the real protocol node for a simulated node. */
export const realNodeFactory: NodeFactory = memberlistNodeFactory;
