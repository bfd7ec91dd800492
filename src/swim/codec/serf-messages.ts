/**
 * Serf's messages (`serf/messages.go`), carried as memberlist user messages:
 * `[serfType][msgpack body]`. Also the payload formats that ride inside queries and query
 * responses (filters, key requests/responses, conflict responses) and the ping-ack
 * coordinate payload. Each struct is declared once; encoder and decoder derive from it.
 *
 * Pure: no Node APIs.
 */
import { DecodeError, EncodeError } from "../../errors.js";
import {
  NullableSliceCodec,
  SliceCodec,
  StringMapCodec,
  bool,
  bytes,
  bytesNilIfEmpty,
  float64,
  int64,
  str,
  stringRecord,
  u16,
  u32,
  u64,
  u8,
} from "./go-types.js";
import { MsgpackReader } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { defineStruct } from "./struct.js";
import type { StructCodec } from "./struct.js";
import type {
  KeyRequest,
  KeyResponse,
  NodeFilter,
  SerfJoin,
  SerfLeave,
  SerfMessage,
  SerfPushPull,
  SerfQuery,
  SerfQueryResponse,
  SerfRelay,
  SerfUserEvent,
  SerfUserEventCollection,
  SerfUserEventEntry,
  TagFilter,
} from "./types.js";
import { FilterType, SerfMessageType } from "./types.js";

/** `messageLeave` body. */
export const leaveStruct = defineStruct<SerfLeave>(
  "messageLeave",
  [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "Node", key: "node", codec: str },
    { go: "Prune", key: "prune", codec: bool },
  ],
  { kind: "leave" },
);

/** `messageJoin` body. */
export const joinStruct = defineStruct<SerfJoin>(
  "messageJoin",
  [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "Node", key: "node", codec: str },
  ],
  { kind: "join" },
);

const userEventEntryStruct = defineStruct<SerfUserEventEntry>("userEvent", [
  { go: "Name", key: "name", codec: str },
  { go: "Payload", key: "payload", codec: bytes },
]);

const userEventsStruct = defineStruct<SerfUserEventCollection>("userEvents", [
  { go: "LTime", key: "lTime", codec: u64 },
  { go: "Events", key: "events", codec: new SliceCodec(userEventEntryStruct) },
]);

/** `messagePushPull` body (Serf's push/pull user state). */
export const serfPushPullStruct = defineStruct<SerfPushPull>(
  "messagePushPull",
  [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "StatusLTimes", key: "statusLTimes", codec: new StringMapCodec(u64) },
    { go: "LeftMembers", key: "leftMembers", codec: new SliceCodec(str) },
    { go: "EventLTime", key: "eventLTime", codec: u64 },
    { go: "Events", key: "events", codec: new NullableSliceCodec(userEventsStruct) },
    { go: "QueryLTime", key: "queryLTime", codec: u64 },
    { go: "ShoalExtension", key: "extension", codec: bytes, omitEmpty: true },
  ],
  { kind: "pushPull" },
);

/** `messageUserEvent` body. */
export const userEventStruct = defineStruct<SerfUserEvent>(
  "messageUserEvent",
  [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "Name", key: "name", codec: str },
    { go: "Payload", key: "payload", codec: bytes },
    { go: "CC", key: "cc", codec: bool },
  ],
  { kind: "userEvent" },
);

/** `messageQuery` body. `Timeout` is a Go `time.Duration` (int64 nanoseconds). */
export const queryStruct = defineStruct<SerfQuery>(
  "messageQuery",
  [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "ID", key: "id", codec: u32 },
    { go: "Addr", key: "addr", codec: bytes },
    { go: "Port", key: "port", codec: u16 },
    { go: "SourceNode", key: "sourceNode", codec: str },
    // Serf appends filters to a nil slice, so a query without filters carries nil.
    { go: "Filters", key: "filters", codec: new SliceCodec(bytes, true) },
    { go: "Flags", key: "flags", codec: u32 },
    { go: "RelayFactor", key: "relayFactor", codec: u8 },
    { go: "Timeout", key: "timeoutNs", codec: int64 },
    { go: "Name", key: "name", codec: str },
    { go: "Payload", key: "payload", codec: bytesNilIfEmpty },
  ],
  { kind: "query" },
);

/** `messageQueryResponse` body. */
export const queryResponseStruct = defineStruct<SerfQueryResponse>(
  "messageQueryResponse",
  [
    { go: "LTime", key: "lTime", codec: u64 },
    { go: "ID", key: "id", codec: u32 },
    { go: "From", key: "from", codec: str },
    { go: "Flags", key: "flags", codec: u32 },
    // Acks leave the payload nil.
    { go: "Payload", key: "payload", codec: bytesNilIfEmpty },
  ],
  { kind: "queryResponse" },
);

/** Go `net.UDPAddr` as Serf's relay header carries it. */
export interface RelayDestAddr {
  readonly ip: Uint8Array;
  readonly port: number;
  readonly zone: string;
}

const udpAddrStruct = defineStruct<RelayDestAddr>("UDPAddr", [
  { go: "IP", key: "ip", codec: bytes },
  { go: "Port", key: "port", codec: int64 },
  { go: "Zone", key: "zone", codec: str },
]);

interface RelayHeader {
  readonly destAddr: RelayDestAddr;
  readonly destName: string;
}

const relayHeaderStruct = defineStruct<RelayHeader>("relayHeader", [
  { go: "DestAddr", key: "destAddr", codec: udpAddrStruct },
  { go: "DestName", key: "destName", codec: str },
]);

const writer = new MsgpackWriter(1024);

/** Encodes a Serf message as `[serfType][msgpack]` (relay: header, then the inner bytes). */
export function encodeSerfMessage(msg: SerfMessage): Uint8Array {
  const w = writer;
  w.reset();
  switch (msg.kind) {
    case "leave":
      w.byte(SerfMessageType.leave);
      leaveStruct.encode(w, msg);
      break;
    case "join":
      w.byte(SerfMessageType.join);
      joinStruct.encode(w, msg);
      break;
    case "pushPull":
      w.byte(SerfMessageType.pushPull);
      serfPushPullStruct.encode(w, msg);
      break;
    case "userEvent":
      w.byte(SerfMessageType.userEvent);
      userEventStruct.encode(w, msg);
      break;
    case "query":
      w.byte(SerfMessageType.query);
      queryStruct.encode(w, msg);
      break;
    case "queryResponse":
      w.byte(SerfMessageType.queryResponse);
      queryResponseStruct.encode(w, msg);
      break;
    case "relay":
      w.byte(SerfMessageType.relay);
      relayHeaderStruct.encode(w, { destAddr: msg.destAddr, destName: msg.destName });
      w.raw(msg.inner);
      break;
    default:
      throw new EncodeError(`unknown Serf message kind ${(msg as { kind: string }).kind}`);
  }
  return w.toBytes();
}

/**
 * Decodes one gossiped Serf message (the bytes of a memberlist user message). Types that
 * Serf does not gossip (6..8 are query payloads) and unknown types are a {@link DecodeError};
 * callers that handle Shoal's own types should look at byte 0 first.
 */
export function decodeSerfMessage(input: Uint8Array): SerfMessage {
  if (input.length < 1) throw new DecodeError("empty Serf message");
  const type = input[0] as number;
  const r = new MsgpackReader(input, 1);
  switch (type) {
    case SerfMessageType.leave:
      return leaveStruct.decode(r);
    case SerfMessageType.join:
      return joinStruct.decode(r);
    case SerfMessageType.pushPull:
      return serfPushPullStruct.decode(r);
    case SerfMessageType.userEvent:
      return userEventStruct.decode(r);
    case SerfMessageType.query:
      return queryStruct.decode(r);
    case SerfMessageType.queryResponse:
      return queryResponseStruct.decode(r);
    case SerfMessageType.relay: {
      const h = relayHeaderStruct.decode(r);
      if (r.remaining < 1) throw new DecodeError("relay message without an inner message");
      const relay: SerfRelay = {
        kind: "relay",
        destAddr: h.destAddr,
        destName: h.destName,
        inner: input.slice(r.pos),
      };
      return relay;
    }
    default:
      throw new DecodeError(`unknown Serf message type ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Query filters: `[filterType][msgpack]`.
// ---------------------------------------------------------------------------------------------

const tagFilterStruct = defineStruct<TagFilter>(
  "filterTag",
  [
    { go: "Tag", key: "tag", codec: str },
    { go: "Expr", key: "expr", codec: str },
  ],
  { kind: "tag" },
);

const stringSlice = new SliceCodec(str);

/** Encodes a query filter: node list `[0][array of str]` or tag `[1]{Expr, Tag}`. */
export function encodeFilter(filter: NodeFilter | TagFilter): Uint8Array {
  const w = writer;
  w.reset();
  if (filter.kind === "node") {
    w.byte(FilterType.node);
    stringSlice.write(w, filter.nodes);
  } else {
    w.byte(FilterType.tag);
    tagFilterStruct.encode(w, filter);
  }
  return w.toBytes();
}

/** Decodes a query filter; an unknown filter type is a {@link DecodeError} (Serf refuses it too). */
export function decodeFilter(input: Uint8Array): NodeFilter | TagFilter {
  if (input.length < 1) throw new DecodeError("empty query filter");
  const r = new MsgpackReader(input, 1);
  switch (input[0]) {
    case FilterType.node:
      return { kind: "node", nodes: stringSlice.read(r) };
    case FilterType.tag:
      return tagFilterStruct.decode(r);
    default:
      throw new DecodeError(`unknown query filter type ${input[0]}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Payloads of Serf's internal queries.
// ---------------------------------------------------------------------------------------------

const keyRequestStruct = defineStruct<KeyRequest>("keyRequest", [{ go: "Key", key: "key", codec: bytes }]);

const keyResponseStruct = defineStruct<KeyResponse>("nodeKeyResponse", [
  { go: "Result", key: "result", codec: bool },
  { go: "Message", key: "message", codec: str },
  { go: "Keys", key: "keys", codec: stringSlice },
  { go: "PrimaryKey", key: "primaryKey", codec: str },
]);

function typed<T>(type: number, codec: StructCodec<T>, value: T): Uint8Array {
  const w = writer;
  w.reset();
  w.byte(type);
  codec.encode(w, value);
  return w.toBytes();
}

function expectType(input: Uint8Array, type: number, what: string): MsgpackReader {
  if (input.length < 1) throw new DecodeError(`empty ${what}`);
  if (input[0] !== type) throw new DecodeError(`${what}: expected type byte ${type}, found ${input[0]}`);
  return new MsgpackReader(input, 1);
}

/** Encodes a key-management query payload `[7]{Key}`. */
export function encodeKeyRequest(req: KeyRequest): Uint8Array {
  return typed(SerfMessageType.keyRequest, keyRequestStruct, req);
}

/** Decodes a key-management query payload. */
export function decodeKeyRequest(input: Uint8Array): KeyRequest {
  return keyRequestStruct.decode(expectType(input, SerfMessageType.keyRequest, "key request"));
}

/** Encodes a key-management response payload `[8]{Keys, Message, PrimaryKey, Result}`. */
export function encodeKeyResponse(resp: KeyResponse): Uint8Array {
  return typed(SerfMessageType.keyResponse, keyResponseStruct, resp);
}

/** Decodes a key-management response payload. */
export function decodeKeyResponse(input: Uint8Array): KeyResponse {
  return keyResponseStruct.decode(expectType(input, SerfMessageType.keyResponse, "key response"));
}

/** Serf's `Member` as a `_serf_conflict` response carries it. Status: 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
export interface SerfMemberInfo {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: number;
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}

const memberStruct = defineStruct<SerfMemberInfo>("Member", [
  { go: "Name", key: "name", codec: str },
  { go: "Addr", key: "addr", codec: bytes },
  { go: "Port", key: "port", codec: u16 },
  { go: "Tags", key: "tags", codec: stringRecord },
  { go: "Status", key: "status", codec: int64 },
  { go: "ProtocolMin", key: "protocolMin", codec: u8 },
  { go: "ProtocolMax", key: "protocolMax", codec: u8 },
  { go: "ProtocolCur", key: "protocolCur", codec: u8 },
  { go: "DelegateMin", key: "delegateMin", codec: u8 },
  { go: "DelegateMax", key: "delegateMax", codec: u8 },
  { go: "DelegateCur", key: "delegateCur", codec: u8 },
]);

/** Encodes a conflict-query response payload `[6]Member{…}`. */
export function encodeConflictResponse(member: SerfMemberInfo): Uint8Array {
  return typed(SerfMessageType.conflictResponse, memberStruct, member);
}

/** Decodes a conflict-query response payload. */
export function decodeConflictResponse(input: Uint8Array): SerfMemberInfo {
  return memberStruct.decode(expectType(input, SerfMessageType.conflictResponse, "conflict response"));
}

// ---------------------------------------------------------------------------------------------
// Ping-ack payload: Serf's Vivaldi coordinate (`serf/ping_delegate.go`, `coordinate/`).
// ---------------------------------------------------------------------------------------------

/** Serf's ping payload version byte. */
export const PING_VERSION = 1;

/** A Vivaldi network coordinate (`coordinate.Coordinate`). */
export interface SerfCoordinate {
  /** Euclidean part, seconds; Serf uses 8 dimensions. */
  readonly vec: readonly number[];
  readonly error: number;
  readonly adjustment: number;
  readonly height: number;
}

const coordinateStruct = defineStruct<SerfCoordinate>("Coordinate", [
  { go: "Vec", key: "vec", codec: new SliceCodec(float64) },
  { go: "Error", key: "error", codec: float64 },
  { go: "Adjustment", key: "adjustment", codec: float64 },
  { go: "Height", key: "height", codec: float64 },
]);

/** Encodes the ack payload `[1][msgpack Coordinate]` (every float as float64 0xcb). */
export function encodeCoordinatePayload(coord: SerfCoordinate): Uint8Array {
  return typed(PING_VERSION, coordinateStruct, coord);
}

/** Decodes an ack payload; a version other than 1 is a {@link DecodeError}. */
export function decodeCoordinatePayload(input: Uint8Array): SerfCoordinate {
  return coordinateStruct.decode(expectType(input, PING_VERSION, "ping payload"));
}
