/**
 * Push/pull anti-entropy and join (memberlist `state.go` pushPull/pushPullNode, `net.go`
 * sendLocalState/readRemoteState/mergeRemoteState; PROTOCOL.md section 2.6): a full TCP state
 * exchange with one random alive peer every scaled interval, and with each seed on join.
 *
 * Sans-I/O shape: the initiator emits a `dial` carrying its state and merges the reply in
 * `onStreamReply`; the listener answers in `onStream` with a `reply` carrying its own state and
 * then merges. Because the core answers an inbound stream synchronously inside one call, at
 * most one inbound exchange is ever *in* the core; the bound on concurrent inbound push/pulls
 * (`maxConcurrentPushPulls`, memberlist's 128) applies to streams the shell holds open while
 * their bytes arrive, so the runtime enforces it (`NodeRuntimeOptions.maxInboundStreams`, which
 * the agent sets from this config value).
 */

import type { PushNodeState, PushPull } from "../codec/types.js";
import { bytesToIp } from "./address.js";
import type { MemberlistDelegate } from "./delegate.js";
import type { Membership } from "./membership.js";
import { stateToWire } from "./status.js";

/** memberlist's `pushPullScaleThreshold`: no scaling up to this many nodes. */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * memberlist's `pushPullScale`: `interval × (ceil(log2 N − log2 32) + 1)` for N > 32, so the
 * per-node TCP sync load stays bounded as the cluster grows.
 */
export function pushPullScaleMs(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}

/** Our side of a push/pull: every known node (dead and left included) plus delegate state. */
export function localPushPull(membership: Membership, delegate: MemberlistDelegate, join: boolean): PushPull {
  const nodes: PushNodeState[] = membership.nodes.all().map((n) => ({
    name: n.name,
    addr: n.addrBytes,
    port: n.address.port,
    meta: n.meta,
    incarnation: n.incarnation,
    state: stateToWire(n.state),
    vsn: Uint8Array.from(n.vsn),
  }));
  return { kind: "pushPull", join, nodes, userState: delegate.localState(join) };
}

/**
 * memberlist's `mergeRemoteState`: verify protocol compatibility, let the delegate veto a join,
 * merge node states, then hand the user state to the delegate. Returns an error text if the
 * merge was refused (nothing merged), else undefined.
 */
export function mergeRemoteState(
  membership: Membership,
  delegate: MemberlistDelegate,
  remote: PushPull,
  nowMs: number,
): string | undefined {
  const problem = membership.verifyProtocol(remote.nodes);
  if (problem !== undefined) return problem;
  if (remote.join && delegate.notifyMerge !== undefined) {
    const veto = delegate.notifyMerge(
      remote.nodes.map((n) => ({
        name: n.name,
        // An empty host marks a malformed `Addr`, which the delegate refuses (Serf checks its length).
        address: { host: bytesToIp(n.addr) ?? "", port: n.port },
        meta: n.meta,
        incarnation: n.incarnation,
        state: n.state === 0 ? "alive" : n.state === 1 ? "suspect" : n.state === 2 ? "dead" : "left",
        stateChangeMs: nowMs,
        vsn: Array.from(n.vsn),
      })),
    );
    if (veto !== undefined) return veto;
  }
  membership.mergeState(remote.nodes, nowMs);
  if (remote.userState.length > 0) delegate.mergeRemoteState(remote.userState, remote.join, nowMs);
  return undefined;
}
