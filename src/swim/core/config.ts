/**
 * Tuning of the memberlist layer (../shared/PROTOCOL.md section 2.1), with memberlist's three
 * presets. Durations are milliseconds (`…Ms`). Identity (node name, advertised address) is not
 * here: it is passed to the `Memberlist` constructor, so one preset object can serve many nodes.
 *
 * The agent's TypeBox schema (outer ring) validates user input and then builds one of these;
 * the core trusts what it is given.
 */

/** memberlist's tuning knobs, plus Shoal's fairness reserve. */
export interface MemberlistConfig {
  /** Time between failure-detection probes (scaled by the health score). */
  readonly probeIntervalMs: number;
  /** How long to wait for a direct ack; about the 99th-percentile RTT. Not scaled by awareness. */
  readonly probeTimeoutMs: number;
  /** How many helpers get an indirect ping-req when a direct probe fails. */
  readonly indirectChecks: number;
  /** Broadcast retransmit limit is `retransmitMult × ceil(log10(N+1))`. */
  readonly retransmitMult: number;
  /** Suspicion minimum timeout is `suspicionMult × max(1, log10(N)) × probeInterval`. */
  readonly suspicionMult: number;
  /** Suspicion maximum timeout is this multiple of the minimum. */
  readonly suspicionMaxTimeoutMult: number;
  /** Base interval of push/pull anti-entropy; 0 disables it. Scaled with N above 32 nodes. */
  readonly pushPullIntervalMs: number;
  /** Deadline for a whole TCP exchange (dial, write, read). */
  readonly tcpTimeoutMs: number;
  /** Interval of dedicated gossip rounds; 0 disables them (piggybacking continues). */
  readonly gossipIntervalMs: number;
  /** Gossip fanout: peers per gossip round. */
  readonly gossipNodes: number;
  /** Dead nodes keep receiving gossip this long (so they can refute); then they are reaped. */
  readonly gossipToTheDeadTimeMs: number;
  /** Lifeguard: the health score ranges over 0..awarenessMaxMultiplier-1. */
  readonly awarenessMaxMultiplier: number;
  /** Send-side packet budget for piggybacking (not the receive buffer). */
  readonly udpBufferSize: number;
  /**
   * Bytes of every packet budget taken by the shell's framing (label header, encryption
   * overhead), subtracted from {@link udpBufferSize} before piggybacking. 0 without label/key.
   */
  readonly packetOverheadBytes: number;
  /** LZW-compress packets (when smaller) and streams. */
  readonly enableCompression: boolean;
  /** Never fall back to a TCP ping when UDP probes fail. */
  readonly disableTcpPings: boolean;
  /**
   * Shoal addition: when this node's own probe failed and its TCP fallback ping was refused
   * (the member's host answered, but nothing listens on its port: the agent is gone, as after
   * kill -9 or a crash), this node's suspicion of the member expires after at most this long
   * instead of Lifeguard's minimum. A refusal is proof a timeout is not; the member can still
   * refute within this time if it is in fact alive. 0 reproduces memberlist exactly.
   */
  readonly refusedSuspicionTimeoutMs: number;
  /** memberlist protocol version spoken (1..5); 2 is memberlist's default. */
  readonly protocolVersion: number;
  /** Lowest/highest memberlist protocol versions understood (advertised in Vsn). */
  readonly protocolMin: number;
  /** See {@link protocolMin}. */
  readonly protocolMax: number;
  /** Delegate (Serf) protocol range and current version, advertised in Vsn bytes 3..5. */
  readonly delegateProtocolMin: number;
  /** See {@link delegateProtocolMin}. */
  readonly delegateProtocolMax: number;
  /** See {@link delegateProtocolMin}. */
  readonly delegateProtocolVersion: number;
  /** A dead node may come back under a new address after this long; 0 means never. */
  readonly deadNodeReclaimTimeMs: number;
  /** Bound of the inbound handoff queue (memberlist's HandoffQueueDepth). */
  readonly handoffQueueDepth: number;
  /** Bound on concurrent inbound push/pull exchanges (memberlist hard-codes 128). */
  readonly maxConcurrentPushPulls: number;
  /**
   * Shoal addition (memberlist#299): at most this many bytes of each packet budget are reserved
   * for delegate (Serf) broadcasts while the delegate has any queued (as many as it asks for,
   * see `MemberlistDelegate.reserveBytes`), so node-state churn cannot starve user events and
   * catalog updates. Unused reserve is given back to memberlist's own queue. 0 reproduces
   * memberlist exactly (its queue first, delegate gets the rest).
   */
  readonly userBroadcastReserveBytes: number;
  /** Upper bound on a graceful leave waiting for its dead-about-self broadcast to spread. */
  readonly leaveTimeoutMs: number;
}

/** memberlist's `MetaMaxSize`: node meta (Serf tags) is at most this many bytes. */
export const META_MAX_SIZE = 512;

/** memberlist's `DefaultLANConfig`: a single datacenter. */
export function lanConfig(): MemberlistConfig {
  return {
    probeIntervalMs: 1_000,
    probeTimeoutMs: 500,
    indirectChecks: 3,
    retransmitMult: 4,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    pushPullIntervalMs: 30_000,
    tcpTimeoutMs: 10_000,
    gossipIntervalMs: 200,
    gossipNodes: 3,
    gossipToTheDeadTimeMs: 30_000,
    awarenessMaxMultiplier: 8,
    udpBufferSize: 1_400,
    packetOverheadBytes: 0,
    enableCompression: true,
    disableTcpPings: false,
    // memberlist has no such shortcut; the agent turns it on (AGENT_PROFILES).
    refusedSuspicionTimeoutMs: 0,
    protocolVersion: 2,
    protocolMin: 1,
    protocolMax: 5,
    delegateProtocolMin: 0,
    delegateProtocolMax: 0,
    delegateProtocolVersion: 0,
    deadNodeReclaimTimeMs: 0,
    handoffQueueDepth: 1_024,
    maxConcurrentPushPulls: 128,
    // Room for one maximum-size Serf user event (512 B encoded, plus 3 B of framing) and a
    // join intent, or one catalog message of up to ~590 B; the Serf layer asks only for what
    // its next messages need, so membership messages keep the rest. Measured in a 100-node
    // join storm (test/sim/broadcast-fairness.test.ts): a 506 B event reaches the joined
    // nodes in 0.3 s instead of 2.4 s without the reserve, and membership converges no later.
    userBroadcastReserveBytes: 600,
    // Serf's BroadcastTimeout default.
    leaveTimeoutMs: 5_000,
  };
}

/** memberlist's `DefaultWANConfig`: LAN with slower, more tolerant timing. */
export function wanConfig(): MemberlistConfig {
  return {
    ...lanConfig(),
    tcpTimeoutMs: 30_000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    probeIntervalMs: 5_000,
    probeTimeoutMs: 3_000,
    gossipNodes: 4,
    gossipIntervalMs: 500,
    gossipToTheDeadTimeMs: 60_000,
  };
}

/** memberlist's `DefaultLocalConfig`: loopback or a single fast network. */
export function localConfig(): MemberlistConfig {
  return {
    ...lanConfig(),
    tcpTimeoutMs: 1_000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    probeTimeoutMs: 200,
    gossipIntervalMs: 100,
    gossipToTheDeadTimeMs: 15_000,
  };
}

/**
 * memberlist's presets by the profile names Serf's `-profile` takes: memberlist's protocol
 * exactly (the simulator's acceptance runs use these), plus the broadcast fairness reserve.
 */
export const PROFILE_PRESETS = { lan: lanConfig, wan: wanConfig, local: localConfig } as const;

/**
 * What `shoal agent --profile X` runs: the preset plus Shoal's additions to memberlist that the
 * agent turns on by default (README "Additions to memberlist"). The refused-port shortcut
 * waits two probe intervals: time for a member that is alive after all to hear the suspicion
 * (buddy ping or gossip) and for its refutation to come back.
 */
export const AGENT_PROFILES = {
  lan: (): MemberlistConfig => ({ ...lanConfig(), refusedSuspicionTimeoutMs: 2_000 }),
  wan: (): MemberlistConfig => ({ ...wanConfig(), refusedSuspicionTimeoutMs: 10_000 }),
  local: (): MemberlistConfig => ({ ...localConfig(), refusedSuspicionTimeoutMs: 2_000 }),
} as const satisfies Record<keyof typeof PROFILE_PRESETS, () => MemberlistConfig>;

/** A profile name: `lan`, `wan` or `local`. */
export type ProfileName = keyof typeof PROFILE_PRESETS;
