/**
 * Traffic and drop counters of one {@link NodeRuntime}, as a plain mutable object so a metrics
 * exporter can read it without a dependency on this module's classes.
 *
 * Drops are counted per reason and per channel (packet or stream) because each points at a
 * different operational problem: `labelMismatch` at two clusters sharing a network,
 * `undecryptable` at a key mismatch, `malformed`/`decode` at a buggy or hostile peer,
 * `timeout`/`incomplete`/`oversize` at stalled or abusive stream clients, `overloaded` at too
 * many concurrent inbound streams, the Serf-level limits (`tagsTooLarge`, `invalidNodeName`,
 * `userEventTooLarge`, ...) at a peer that gossips what Serf would refuse to create.
 */
import type { InputLimit } from "../core/api.js";

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
  // Refused by a limit of the Serf layer (the core's `inputRefused` event, named by its limit):
  /** A member's encoded tags (node meta) exceed 512 bytes. */
  tagsTooLarge: "tagsTooLarge",
  /** A member's name breaks the node name rules. */
  invalidNodeName: "invalidNodeName",
  /** A member's address is not a 4- or 16-byte IP. */
  invalidAddress: "invalidAddress",
  /** A received user event exceeds the user event size limit. */
  userEventTooLarge: "userEventTooLarge",
  /** A received query exceeds the query size limit. */
  queryTooLarge: "queryTooLarge",
  /** A received query response exceeds the response size limit. */
  queryResponseTooLarge: "queryResponseTooLarge",
  /** A gossip message arrived while memberlist's handler queue was full (overload). */
  handoffQueueFull: "handoffQueueFull",
} as const satisfies Record<string, string> & { readonly [K in InputLimit]: K };

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

/** Messages and their bytes (plaintext, inside packets) of one type. */
export interface MessageCounter {
  count: number;
  bytes: number;
}

/** Per-message-type counters, keyed by the names of `message-types.ts` (created on first use). */
export type MessageCounters = Record<string, MessageCounter>;

/** Outbound stream exchanges that carried a push/pull (join or periodic anti-entropy). */
export interface PushPullCounters {
  /** Exchanges that got the peer's state back. */
  completed: number;
  failed: number;
  /** Sealed bytes written. */
  bytesSent: number;
  /** Plaintext bytes of the peer's reply. */
  bytesReceived: number;
  /** Sum of the durations of completed exchanges. */
  durationMsSum: number;
}

/** All counters of one runtime. */
export interface RuntimeStats {
  readonly packets: PacketCounters;
  /** UDP traffic split by message type (a compound counts each part). */
  readonly messages: { readonly sent: MessageCounters; readonly received: MessageCounters };
  readonly pushPull: PushPullCounters;
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
    tagsTooLarge: 0,
    invalidNodeName: 0,
    invalidAddress: 0,
    userEventTooLarge: 0,
    queryTooLarge: 0,
    queryResponseTooLarge: 0,
    handoffQueueFull: 0,
  };
}

/** Fresh zeroed counters. */
export function createRuntimeStats(): RuntimeStats {
  return {
    packets: { sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, sendErrors: 0 },
    messages: { sent: {}, received: {} },
    pushPull: { completed: 0, failed: 0, bytesSent: 0, bytesReceived: 0, durationMsSum: 0 },
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

/** Adds one message of `name` and `bytes` to `counters`. */
export function countMessage(counters: MessageCounters, name: string, bytes: number): void {
  const counter = (counters[name] ??= { count: 0, bytes: 0 });
  counter.count++;
  counter.bytes += bytes;
}
