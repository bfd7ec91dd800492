/**
 * memberlist's node list and node map (`m.nodes`, `m.nodeMap`): every known node, self
 * included, in probe order. New nodes go to a random index so a burst of joins does not line
 * up in one probe stretch; at every probe wrap-around the long-dead are reaped and the list is
 * reshuffled (SWIM's round-robin with bounded detection time).
 */

import type { Address, Rng } from "./api.js";
import type { NodeView } from "./delegate.js";
import { shuffleInPlace } from "./rng.js";
import { isDeadOrLeft } from "./status.js";
import type { NodeStateName } from "./status.js";

/** The mutable record the core keeps per node. Views handed out are copies. */
export interface NodeRecord {
  readonly name: string;
  address: Address;
  /** Raw IP bytes as advertised (4 or 16). */
  addrBytes: Uint8Array;
  meta: Uint8Array;
  incarnation: number;
  state: NodeStateName;
  /** `nowMs` of the last state change; -Infinity for "never" (Go's zero time). */
  stateChangeMs: number;
  /** pmin, pmax, pcur, dmin, dmax, dcur. */
  vsn: number[];
}

/** A snapshot of a record. */
export function viewOf(node: NodeRecord): NodeView {
  return {
    name: node.name,
    address: node.address,
    meta: node.meta,
    incarnation: node.incarnation,
    state: node.state,
    stateChangeMs: node.stateChangeMs,
    vsn: [...node.vsn],
  };
}

/** Every known node in probe order, with a name index and the probe cursor. */
export class NodeList {
  private nodes: NodeRecord[] = [];
  private readonly byName = new Map<string, NodeRecord>();
  private probeIndex = 0;

  /** Number of known nodes, self and not-yet-reaped dead/left included (memberlist's estNumNodes). */
  size(): number {
    return this.nodes.length;
  }

  /** The record of `name`, or undefined. */
  get(name: string): NodeRecord | undefined {
    return this.byName.get(name);
  }

  /** All records in current probe order (do not mutate the array). */
  all(): readonly NodeRecord[] {
    return this.nodes;
  }

  /** Add a new node at a uniformly random index (swap with the end, as memberlist does). */
  add(node: NodeRecord, rng: Rng): void {
    this.byName.set(node.name, node);
    const n = this.nodes.length;
    const offset = n === 0 ? 0 : rng.int(n);
    this.nodes.push(node);
    const displaced = this.nodes[offset] as NodeRecord;
    this.nodes[offset] = node;
    this.nodes[n] = displaced;
  }

  /**
   * The next node to probe: round-robin from the cursor, skipping `selfName` and dead/left nodes.
   * When the cursor wraps, {@link reset} runs first (reap and reshuffle). Returns undefined when
   * nothing is probeable after checking every node once, like memberlist's `probe()`.
   *
   * @param onReaped Called with each node removed by a wrap-around reset.
   */
  nextProbeTarget(
    selfName: string,
    nowMs: number,
    gossipToTheDeadMs: number,
    rng: Rng,
    onReaped: (node: NodeRecord) => void,
  ): NodeRecord | undefined {
    let checked = 0;
    for (;;) {
      if (checked >= this.nodes.length) return undefined;
      if (this.probeIndex >= this.nodes.length) {
        for (const node of this.reset(nowMs, gossipToTheDeadMs, rng)) onReaped(node);
        this.probeIndex = 0;
        checked++;
        continue;
      }
      const node = this.nodes[this.probeIndex] as NodeRecord;
      this.probeIndex++;
      if (node.name === selfName || isDeadOrLeft(node.state)) {
        checked++;
        continue;
      }
      return node;
    }
  }

  /**
   * memberlist's `resetNodes`: remove nodes dead or left for longer than `gossipToTheDeadMs`
   * and shuffle the rest. The only O(N) pass in the timer path, once per probe round.
   * Returns the removed records.
   */
  reset(nowMs: number, gossipToTheDeadMs: number, rng: Rng): NodeRecord[] {
    const kept: NodeRecord[] = [];
    const reaped: NodeRecord[] = [];
    for (const node of this.nodes) {
      if (isDeadOrLeft(node.state) && nowMs - node.stateChangeMs > gossipToTheDeadMs) {
        reaped.push(node);
        this.byName.delete(node.name);
      } else {
        kept.push(node);
      }
    }
    this.nodes = shuffleInPlace(kept, rng);
    return reaped;
  }
}
