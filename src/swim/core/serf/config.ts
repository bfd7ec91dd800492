/**
 * The Serf layer's settings (`serf/config.go` DefaultConfig), next to the memberlist preset
 * they run on. Durations are milliseconds.
 */
import type { MemberlistConfig } from "../config.js";
import type { CoalesceConfig } from "./coalesce.js";

/**
 * Serf's knobs. The coalesce periods ({@link CoalesceConfig}) are applied by the shell to the
 * events it hands to handlers and streams, not by the core, which reports every event at once.
 */
export interface SerfConfig extends CoalesceConfig {
  /** How often a random failed member is retried (Serf: 30 s). */
  readonly reconnectIntervalMs: number;
  /** A failed member is reaped after this long (Serf: 24 h). */
  readonly reconnectTimeoutMs: number;
  /** A left member is forgotten after this long (Serf: 24 h). */
  readonly tombstoneTimeoutMs: number;
  /** How often failed/left members and stale intents are reaped (Serf: 15 s). */
  readonly reapIntervalMs: number;
  /** Intents about unknown members are kept this long (Serf: 5 min). */
  readonly recentIntentTimeoutMs: number;
  /** Bound on a user event: name + payload, and also the encoded message (Serf: 512 B). */
  readonly userEventSizeLimit: number;
  /** Encoded query (Serf: 1024 B). */
  readonly querySizeLimit: number;
  /** Encoded query response (Serf: 1024 B). */
  readonly queryResponseSizeLimit: number;
  /** Default query timeout = gossip interval × this × ceil(log10(N+1)) (Serf: 16). */
  readonly queryTimeoutMult: number;
  /** Wait at most this long for a leave intent to be sent (Serf: 5 s). */
  readonly broadcastTimeoutMs: number;
  /** After memberlist's leave, wait this long before reporting the leave done (Serf: 1 s). */
  readonly leavePropagateDelayMs: number;
  /** How often the broadcast queues are checked against {@link maxQueueDepth} (Serf: 30 s). */
  readonly queueCheckIntervalMs: number;
  /** A queue longer than this drops its most-sent messages (Serf: 4096). */
  readonly maxQueueDepth: number;
  /**
   * Replay old user events on join (Serf's `-replay`; default false: a join sets the minimum
   * event time to the peer's event clock, so history is not re-delivered).
   */
  readonly replayOnJoin: boolean;
}

/** Serf's defaults; the coalesce periods are Serf agent's (the library's are 0, off). */
export function defaultSerfConfig(): SerfConfig {
  return {
    coalescePeriodMs: 3_000,
    quiescentPeriodMs: 1_000,
    userCoalescePeriodMs: 3_000,
    userQuiescentPeriodMs: 1_000,
    reconnectIntervalMs: 30_000,
    reconnectTimeoutMs: 24 * 3_600_000,
    tombstoneTimeoutMs: 24 * 3_600_000,
    reapIntervalMs: 15_000,
    recentIntentTimeoutMs: 5 * 60_000,
    userEventSizeLimit: 512,
    querySizeLimit: 1_024,
    queryResponseSizeLimit: 1_024,
    queryTimeoutMult: 16,
    broadcastTimeoutMs: 5_000,
    leavePropagateDelayMs: 1_000,
    queueCheckIntervalMs: 30_000,
    maxQueueDepth: 4_096,
    replayOnJoin: false,
  };
}

/** Serf's protocol range on top of memberlist (`serf.ProtocolVersionMin/Max`, agent protocol 5). */
export const SERF_PROTOCOL = { min: 2, max: 5, current: 5 } as const;

/** A memberlist preset with Serf's delegate protocol versions filled in, as Serf's Create does. */
export function withSerfVersions(config: MemberlistConfig): MemberlistConfig {
  return {
    ...config,
    delegateProtocolMin: SERF_PROTOCOL.min,
    delegateProtocolMax: SERF_PROTOCOL.max,
    delegateProtocolVersion: SERF_PROTOCOL.current,
  };
}
