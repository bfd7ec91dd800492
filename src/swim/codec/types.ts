/**
 * Decoded forms of every memberlist and Serf wire message (../shared/PROTOCOL.md section 3).
 *
 * Field names are the camelCase of Go's field names; the codec maps them to the exact Go
 * spelling on the wire. Byte fields (`Addr`, `Meta`, `Vsn`, payloads) are `Uint8Array`.
 * 64-bit integers (Lamport times, durations) are `number`: the decoder refuses values above
 * `Number.MAX_SAFE_INTEGER` with a `DecodeError` rather than silently losing precision.
 *
 * Pure: this file and everything the core imports from the codec uses no Node globals.
 */

/** memberlist message type bytes (`net.go`, append-only). */
export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ackResp: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nackResp: 11,
  hasCrc: 12,
  err: 13,
  hasLabel: 244,
} as const;

/** memberlist node states as they travel in push/pull (`state.go`). */
export const NodeState = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
/** One of {@link NodeState}'s values. */
export type NodeStateValue = (typeof NodeState)[keyof typeof NodeState];

/** `ping{SeqNo, Node, SourceAddr?, SourcePort?, SourceNode?}`; the Source* fields are omitempty. */
export interface Ping {
  readonly kind: "ping";
  readonly seqNo: number;
  /** Intended recipient's name; empty means "whoever answers". */
  readonly node: string;
  readonly sourceAddr?: Uint8Array;
  readonly sourcePort?: number;
  readonly sourceNode?: string;
}

/** `indirectPingReq`: ask a helper to probe `target:port` on our behalf. */
export interface IndirectPing {
  readonly kind: "indirectPing";
  readonly seqNo: number;
  readonly target: Uint8Array;
  readonly port: number;
  readonly node: string;
  /** The helper should send a nack if the target does not answer (memberlist protocol >= 4). */
  readonly nack: boolean;
  readonly sourceAddr?: Uint8Array;
  readonly sourcePort?: number;
  readonly sourceNode?: string;
}

/** `ackResp{SeqNo, Payload}`; Serf carries its Vivaldi coordinate in the payload. */
export interface AckResp {
  readonly kind: "ackResp";
  readonly seqNo: number;
  readonly payload: Uint8Array | null;
}

/** `nackResp{SeqNo}`: an indirect-probe helper heard nothing from the target. */
export interface NackResp {
  readonly kind: "nackResp";
  readonly seqNo: number;
}

/** `suspect{Incarnation, Node, From}`. */
export interface Suspect {
  readonly kind: "suspect";
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

/** `alive{Incarnation, Node, Addr, Port, Meta, Vsn}`. */
export interface Alive {
  readonly kind: "alive";
  readonly incarnation: number;
  readonly node: string;
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  readonly addr: Uint8Array;
  readonly port: number;
  /** At most 512 bytes; Serf puts `0xFF` + msgpack tags here. */
  readonly meta: Uint8Array;
  /** Exactly 6 bytes: pmin, pmax, pcur, dmin, dmax, dcur. */
  readonly vsn: Uint8Array;
}

/** `dead{Incarnation, Node, From}`; `from === node` means the node left gracefully. */
export interface Dead {
  readonly kind: "dead";
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

/** A memberlist user message: opaque delegate (Serf) bytes. */
export interface UserMessage {
  readonly kind: "user";
  readonly payload: Uint8Array;
}

/** `errResp{Error}`, sent on a stream when the listener could not read the request. */
export interface ErrResp {
  readonly kind: "err";
  readonly error: string;
}

/** One node's entry in a push/pull exchange (`pushNodeState`). */
export interface PushNodeState {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly state: NodeStateValue;
  readonly vsn: Uint8Array;
}

/** A whole push/pull message: header, node states and the delegate's user state. */
export interface PushPull {
  readonly kind: "pushPull";
  readonly join: boolean;
  readonly nodes: readonly PushNodeState[];
  /** Serf's `[2][msgpack messagePushPull]`, or empty. */
  readonly userState: Uint8Array;
}

/** Any message that can appear in a UDP packet after compound/compress/CRC are unwrapped. */
export type PacketMessage = Ping | IndirectPing | AckResp | NackResp | Suspect | Alive | Dead | UserMessage;

/** Any message that can be the one message on a TCP stream (after label/encryption/compression). */
export type StreamMessage = PushPull | Ping | AckResp | UserMessage | ErrResp;

// ---------------------------------------------------------------------------------------------
// Serf's messages, carried as memberlist user messages: `[serfType][msgpack]` (serf/messages.go).
// ---------------------------------------------------------------------------------------------

/** Serf message type bytes, and Shoal's own additions far from Serf's 0..9. */
export const SerfMessageType = {
  leave: 0,
  join: 1,
  pushPull: 2,
  userEvent: 3,
  query: 4,
  queryResponse: 5,
  conflictResponse: 6,
  keyRequest: 7,
  keyResponse: 8,
  relay: 9,
} as const;

/** Query flags (`serf/messages.go`). */
export const QueryFlag = { ack: 1, noBroadcast: 2 } as const;

/** Query filter type bytes. */
export const FilterType = { node: 0, tag: 1 } as const;

/** `messageLeave{LTime, Node, Prune}`. */
export interface SerfLeave {
  readonly kind: "leave";
  readonly lTime: number;
  readonly node: string;
  readonly prune: boolean;
}

/** `messageJoin{LTime, Node}`. */
export interface SerfJoin {
  readonly kind: "join";
  readonly lTime: number;
  readonly node: string;
}

/** One event in a push/pull event-buffer slot. */
export interface SerfUserEventEntry {
  readonly name: string;
  readonly payload: Uint8Array;
}

/** One Lamport-time slot of the user-event ring buffer. */
export interface SerfUserEventCollection {
  readonly lTime: number;
  readonly events: readonly SerfUserEventEntry[];
}

/** `messagePushPull`: Serf's user state inside a memberlist push/pull. */
export interface SerfPushPull {
  readonly kind: "pushPull";
  readonly lTime: number;
  readonly statusLTimes: ReadonlyMap<string, number>;
  readonly leftMembers: readonly string[];
  readonly eventLTime: number;
  /** The whole ring buffer as Serf sends it, empty slots as `null`. */
  readonly events: readonly (SerfUserEventCollection | null)[];
  readonly queryLTime: number;
  /**
   * Shoal's addition: an extension layer's full state (the service catalog), under the map
   * key `ShoalExtension`, left out when absent. Serf's decoder skips unknown keys
   * (go-msgpack `ErrorIfNoField` is false in Serf's handle), so real Serf nodes ignore it.
   */
  readonly extension?: Uint8Array;
}

/** `messageUserEvent{LTime, Name, Payload, CC}`. */
export interface SerfUserEvent {
  readonly kind: "userEvent";
  readonly lTime: number;
  readonly name: string;
  readonly payload: Uint8Array;
  /** May be coalesced with other events of the same name. */
  readonly cc: boolean;
}

/** `messageQuery`. */
export interface SerfQuery {
  readonly kind: "query";
  readonly lTime: number;
  readonly id: number;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly sourceNode: string;
  /** Each `[filterType][msgpack]`; see {@link FilterType}. */
  readonly filters: readonly Uint8Array[];
  readonly flags: number;
  readonly relayFactor: number;
  /** Go `time.Duration`: nanoseconds. */
  readonly timeoutNs: number;
  readonly name: string;
  readonly payload: Uint8Array;
}

/** `messageQueryResponse`. */
export interface SerfQueryResponse {
  readonly kind: "queryResponse";
  readonly lTime: number;
  readonly id: number;
  readonly from: string;
  readonly flags: number;
  readonly payload: Uint8Array;
}

/** A relay wrapper: forward `inner` (a whole `[type][msgpack]` Serf message) to `destAddr`. */
export interface SerfRelay {
  readonly kind: "relay";
  readonly destAddr: { readonly ip: Uint8Array; readonly port: number; readonly zone: string };
  readonly destName: string;
  readonly inner: Uint8Array;
}

/** A decoded node filter of a query. */
export interface NodeFilter {
  readonly kind: "node";
  readonly nodes: readonly string[];
}

/** A decoded tag filter of a query (`Expr` is an unanchored regular expression). */
export interface TagFilter {
  readonly kind: "tag";
  readonly tag: string;
  readonly expr: string;
}

/** Key-management query payload `[7]{Key}`. */
export interface KeyRequest {
  readonly key: Uint8Array;
}

/** Key-management response payload `[8]{Result, Message, Keys, PrimaryKey}`. */
export interface KeyResponse {
  readonly result: boolean;
  readonly message: string;
  /** Base64 keys. */
  readonly keys: readonly string[];
  readonly primaryKey: string;
}

/** Every gossiped Serf message. */
export type SerfMessage =
  SerfLeave | SerfJoin | SerfPushPull | SerfUserEvent | SerfQuery | SerfQueryResponse | SerfRelay;
