/**
 * Traffic and drop counters of one {@link NodeRuntime}, as a plain mutable object so a metrics
 * exporter can read it without a dependency on this module's classes.
 *
 * Drops are counted per reason and per channel (packet or stream) because each points at a
 * different operational problem: `labelMismatch` at two clusters sharing a network,
 * `undecryptable` at a key mismatch, `malformed`/`decode` at a buggy or hostile peer,
 * `timeout`/`incomplete`/`oversize` at stalled or abusive stream clients, `overloaded` at too
 * many concurrent inbound streams.
 */

/** Why an inbound packet or stream was dropped. */
export const DropReason = {
  /** Cluster label missing or different from ours. */
  labelMismatch: "labelMismatch",
  /** No installed key decrypts it, or encryption expected but absent (or vice versa). */
  undecryptable: "undecryptable",
  /** Outer framing the shell checks is broken (label header, stream frame, stream message). */
  malformed: "malformed",
  /** Framing was fine but the core could not decode the memberlist message (`decodeFailed`). */
  decode: "decode",
  /** An inbound stream exceeded the byte limit. */
  oversize: "oversize",
  /** An inbound stream did not deliver a whole message before its deadline. */
  timeout: "timeout",
  /** An inbound stream closed before its message was complete. */
  incomplete: "incomplete",
  /** Too many inbound streams were open at once. */
  overloaded: "overloaded",
} as const;

/** One of {@link DropReason}'s values. */
export type DropReasonValue = (typeof DropReason)[keyof typeof DropReason];

/** Per-reason drop counters. */
export type DropCounters = Record<DropReasonValue, number>;

/** UDP counters. `bytes*` count wire bytes (after sealing, before opening). */
export interface PacketCounters {
  sent: number;
  bytesSent: number;
  received: number;
  bytesReceived: number;
  /** Datagrams the OS refused to send. */
  sendErrors: number;
}

/** TCP counters. */
export interface StreamCounters {
  /** Outbound connections attempted (one per `dial` directive). */
  dialed: number;
  /** Outbound exchanges that failed (refused, timed out, reset, bad reply). */
  dialFailures: number;
  /** Inbound connections accepted. */
  accepted: number;
  bytesSent: number;
  bytesReceived: number;
  /** `reply` directives for streams that were already gone (timed out or closed). */
  lateReplies: number;
}

/** Event-loop delay as fed to Lifeguard. */
export interface LoopDelayCounters {
  /** Delay reported in the latest sample. */
  lastMs: number;
  /** Largest delay ever reported. */
  maxMs: number;
  /** Samples fed to the core. */
  samples: number;
}

/** All counters of one runtime. */
export interface RuntimeStats {
  readonly packets: PacketCounters;
  readonly streams: StreamCounters;
  readonly dropped: { readonly packet: DropCounters; readonly stream: DropCounters };
  readonly loopDelay: LoopDelayCounters;
  /** Exceptions caught at an I/O boundary (a bug somewhere; reported to `onError`). */
  internalErrors: number;
}

function zeroDrops(): DropCounters {
  return {
    labelMismatch: 0,
    undecryptable: 0,
    malformed: 0,
    decode: 0,
    oversize: 0,
    timeout: 0,
    incomplete: 0,
    overloaded: 0,
  };
}

/** Fresh zeroed counters. */
export function createRuntimeStats(): RuntimeStats {
  return {
    packets: { sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, sendErrors: 0 },
    streams: { dialed: 0, dialFailures: 0, accepted: 0, bytesSent: 0, bytesReceived: 0, lateReplies: 0 },
    dropped: { packet: zeroDrops(), stream: zeroDrops() },
    loopDelay: { lastMs: 0, maxMs: 0, samples: 0 },
    internalErrors: 0,
  };
}

/** Sum of every drop counter on one channel. */
export function totalDrops(counters: DropCounters): number {
  let sum = 0;
  for (const value of Object.values(counters)) sum += value;
  return sum;
}
