/** A recording test delegate for the memberlist layer. */

import type { MemberlistDelegate, NodeView } from "../../../src/swim/core/delegate.js";

/** A delegate that records everything and serves scripted broadcasts. */
export class RecordingDelegate implements MemberlistDelegate {
  meta: Uint8Array = new Uint8Array([0xff, 0x80]);
  readonly joins: string[] = [];
  readonly leaves: { name: string; state: string }[] = [];
  /** `stateChangeMs` of every notifyLeave, by node name. */
  readonly leaveTimes = new Map<string, number>();
  readonly updates: string[] = [];
  readonly messages: Uint8Array[] = [];
  readonly pings: { node: string; rttMs: number; payload: Uint8Array }[] = [];
  readonly merged: Uint8Array[] = [];
  /** Queued delegate broadcasts: each is sent once. */
  pending: Uint8Array[] = [];
  /** Every delegate broadcast handed out (for fairness accounting). */
  readonly handedOut: Uint8Array[] = [];
  state: Uint8Array = new Uint8Array([2, 0x80]);
  ack: Uint8Array = new Uint8Array([1, 2, 3]);
  /** Set by tests that veto push/pull merges. */
  notifyMerge?: (peers: readonly NodeView[]) => string | undefined;
  /** Set by tests that watch address conflicts. */
  notifyConflict?: (existing: NodeView, other: NodeView) => void;
  /** Set by tests of the adaptive fairness reserve. */
  reserveBytes?: (overhead: number, cap: number) => number;

  nodeMeta(_limit: number): Uint8Array {
    return this.meta;
  }
  notifyMsg(payload: Uint8Array): void {
    this.messages.push(payload);
  }
  hasBroadcasts(): boolean {
    return this.pending.length > 0;
  }
  getBroadcasts(overhead: number, limit: number): readonly Uint8Array[] {
    const out: Uint8Array[] = [];
    let used = 0;
    const rest: Uint8Array[] = [];
    for (const msg of this.pending) {
      if (used + overhead + msg.length <= limit) {
        out.push(msg);
        used += overhead + msg.length;
      } else {
        rest.push(msg);
      }
    }
    this.pending = rest;
    this.handedOut.push(...out);
    return out;
  }
  localState(): Uint8Array {
    return this.state;
  }
  mergeRemoteState(state: Uint8Array): void {
    this.merged.push(state);
  }
  notifyJoin(node: NodeView): void {
    this.joins.push(node.name);
  }
  notifyLeave(node: NodeView): void {
    this.leaves.push({ name: node.name, state: node.state });
    this.leaveTimes.set(node.name, node.stateChangeMs);
  }
  notifyUpdate(node: NodeView): void {
    this.updates.push(node.name);
  }
  ackPayload(): Uint8Array {
    return this.ack;
  }
  notifyPingComplete(node: NodeView, rttMs: number, payload: Uint8Array): void {
    this.pings.push({ node: node.name, rttMs, payload });
  }
}
