/**
 * memberlist node states and their wire numbers (`state.go`: Alive=0, Suspect=1, Dead=2,
 * Left=3). The core works with names; the codec's push/pull carries the numbers.
 */

import { NodeState } from "../codec/types.js";
import type { NodeStateValue } from "../codec/types.js";

/** A node's memberlist-level state. */
export type NodeStateName = "alive" | "suspect" | "dead" | "left";

/** Wire number of a state name. */
export function stateToWire(state: NodeStateName): NodeStateValue {
  return NodeState[state];
}

/** State name of a wire number (push/pull `State`). */
export function stateFromWire(value: NodeStateValue): NodeStateName {
  switch (value) {
    case NodeState.alive:
      return "alive";
    case NodeState.suspect:
      return "suspect";
    case NodeState.dead:
      return "dead";
    case NodeState.left:
      return "left";
  }
}

/**
 * True for states in which the node is considered gone: it is not probed, not chosen as a
 * helper, and (once older than GossipToTheDeadTime) reaped at the next probe wrap-around.
 */
export function isDeadOrLeft(state: NodeStateName): boolean {
  return state === "dead" || state === "left";
}
