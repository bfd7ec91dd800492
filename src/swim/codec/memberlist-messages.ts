/**
 * memberlist's messages (`net.go`): `[type byte][msgpack body]`, bodies keyed by Go field name.
 * Each struct is declared once; encoder and decoder derive from the declaration.
 *
 * Pure: no Node APIs.
 */
import { DecodeError, EncodeError } from "../../errors.js";
import { bool, bytes, bytesOrNull, bytesView, int64, str, u16, u32, u8 } from "./go-types.js";
import { MsgpackReader } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { defineStruct } from "./struct.js";
import type {
  AckResp,
  Alive,
  Dead,
  ErrResp,
  IndirectPing,
  NackResp,
  NodeStateValue,
  PacketMessage,
  Ping,
  PushNodeState,
  PushPull,
  Suspect,
} from "./types.js";
import { MessageType } from "./types.js";
import type { FieldCodec } from "./struct.js";

/** `ping` body. */
export const pingStruct = defineStruct<Ping>(
  "ping",
  [
    { go: "SeqNo", key: "seqNo", codec: u32 },
    { go: "Node", key: "node", codec: str },
    { go: "SourceAddr", key: "sourceAddr", codec: bytes, omitEmpty: true },
    { go: "SourcePort", key: "sourcePort", codec: u16, omitEmpty: true },
    { go: "SourceNode", key: "sourceNode", codec: str, omitEmpty: true },
  ],
  { kind: "ping" },
);

/** `indirectPingReq` body. */
export const indirectPingStruct = defineStruct<IndirectPing>(
  "indirectPingReq",
  [
    { go: "SeqNo", key: "seqNo", codec: u32 },
    { go: "Target", key: "target", codec: bytes },
    { go: "Port", key: "port", codec: u16 },
    { go: "Node", key: "node", codec: str },
    { go: "Nack", key: "nack", codec: bool },
    { go: "SourceAddr", key: "sourceAddr", codec: bytes, omitEmpty: true },
    { go: "SourcePort", key: "sourcePort", codec: u16, omitEmpty: true },
    { go: "SourceNode", key: "sourceNode", codec: str, omitEmpty: true },
  ],
  { kind: "indirectPing" },
);

/** `ackResp` body. */
export const ackRespStruct = defineStruct<AckResp>(
  "ackResp",
  [
    { go: "SeqNo", key: "seqNo", codec: u32 },
    { go: "Payload", key: "payload", codec: bytesOrNull },
  ],
  { kind: "ackResp" },
);

/** `nackResp` body. */
export const nackRespStruct = defineStruct<NackResp>(
  "nackResp",
  [{ go: "SeqNo", key: "seqNo", codec: u32 }],
  { kind: "nackResp" },
);

/** `suspect` body. */
export const suspectStruct = defineStruct<Suspect>(
  "suspect",
  [
    { go: "Incarnation", key: "incarnation", codec: u32 },
    { go: "Node", key: "node", codec: str },
    { go: "From", key: "from", codec: str },
  ],
  { kind: "suspect" },
);

/** `alive` body. */
export const aliveStruct = defineStruct<Alive>(
  "alive",
  [
    { go: "Incarnation", key: "incarnation", codec: u32 },
    { go: "Node", key: "node", codec: str },
    { go: "Addr", key: "addr", codec: bytes },
    { go: "Port", key: "port", codec: u16 },
    { go: "Meta", key: "meta", codec: bytes },
    { go: "Vsn", key: "vsn", codec: bytes },
  ],
  { kind: "alive" },
);

/** `dead` body. */
export const deadStruct = defineStruct<Dead>(
  "dead",
  [
    { go: "Incarnation", key: "incarnation", codec: u32 },
    { go: "Node", key: "node", codec: str },
    { go: "From", key: "from", codec: str },
  ],
  { kind: "dead" },
);

/** `errResp` body (streams only). */
export const errRespStruct = defineStruct<ErrResp>("errResp", [{ go: "Error", key: "error", codec: str }], {
  kind: "err",
});

/** `pushPullHeader`: precedes the node states and user state of a push/pull. */
export interface PushPullHeader {
  readonly nodes: number;
  readonly userStateLen: number;
  readonly join: boolean;
}

/** `pushPullHeader` body (Go `int` counts, written in unsigned form). */
export const pushPullHeaderStruct = defineStruct<PushPullHeader>("pushPullHeader", [
  { go: "Nodes", key: "nodes", codec: int64 },
  { go: "UserStateLen", key: "userStateLen", codec: int64 },
  { go: "Join", key: "join", codec: bool },
]);

/** `userMsgHeader` on streams. */
export interface UserMsgHeader {
  readonly userMsgLen: number;
}

/** `userMsgHeader` body. */
export const userMsgHeaderStruct = defineStruct<UserMsgHeader>("userMsgHeader", [
  { go: "UserMsgLen", key: "userMsgLen", codec: int64 },
]);

/** memberlist's `NodeStateType` (a Go `int`): only 0..3 are meaningful. */
const nodeStateCodec: FieldCodec<NodeStateValue> = {
  write(w, v) {
    w.int(v);
  },
  read(r) {
    const at = r.pos;
    const v = r.readInt();
    if (v !== 0 && v !== 1 && v !== 2 && v !== 3) {
      // Go would accept and ignore it in mergeState; a typed state must be one of the four.
      throw new DecodeError(`node state ${v} is not 0..3 at offset ${at}`);
    }
    return v;
  },
  zero() {
    return 0;
  },
  isEmpty(v) {
    return v === 0;
  },
};

/** `pushNodeState` body. */
export const pushNodeStateStruct = defineStruct<PushNodeState>("pushNodeState", [
  { go: "Name", key: "name", codec: str },
  { go: "Addr", key: "addr", codec: bytes },
  { go: "Port", key: "port", codec: u16 },
  { go: "Meta", key: "meta", codec: bytes },
  { go: "Incarnation", key: "incarnation", codec: u32 },
  { go: "State", key: "state", codec: nodeStateCodec },
  { go: "Vsn", key: "vsn", codec: bytes },
]);

/** `compress{Algo, Buf}` wrapper body. */
export interface CompressBody {
  readonly algo: number;
  readonly buf: Uint8Array;
}

/** `compress` body. */
export const compressStruct = defineStruct<CompressBody>("compress", [
  { go: "Algo", key: "algo", codec: u8 },
  // A view, not a copy: the payload is decompressed at once and never kept.
  { go: "Buf", key: "buf", codec: bytesView },
]);

/** The only compression algorithm memberlist defines. */
export const LZW_ALGO = 0;

const writer = new MsgpackWriter(1024);

/** Writes `msg` (type byte + body) into `w`. */
export function writeMessage(w: MsgpackWriter, msg: PacketMessage | ErrResp): void {
  switch (msg.kind) {
    case "ping":
      w.byte(MessageType.ping);
      return pingStruct.encode(w, msg);
    case "indirectPing":
      w.byte(MessageType.indirectPing);
      return indirectPingStruct.encode(w, msg);
    case "ackResp":
      w.byte(MessageType.ackResp);
      return ackRespStruct.encode(w, msg);
    case "nackResp":
      w.byte(MessageType.nackResp);
      return nackRespStruct.encode(w, msg);
    case "suspect":
      w.byte(MessageType.suspect);
      return suspectStruct.encode(w, msg);
    case "alive":
      w.byte(MessageType.alive);
      return aliveStruct.encode(w, msg);
    case "dead":
      w.byte(MessageType.dead);
      return deadStruct.encode(w, msg);
    case "user":
      // In packets a user message is the type byte followed by the opaque delegate bytes.
      w.byte(MessageType.user);
      return w.raw(msg.payload);
    case "err":
      w.byte(MessageType.err);
      return errRespStruct.encode(w, msg);
    default:
      throw new EncodeError(`unknown message kind ${(msg as { kind: string }).kind}`);
  }
}

/** Encodes one memberlist message as it travels on its own: `[type][msgpack body]`. */
export function encodeMessage(msg: PacketMessage | ErrResp): Uint8Array {
  writer.reset();
  writeMessage(writer, msg);
  return writer.toBytes();
}

/**
 * Decodes one (non-compound, non-compressed) packet message. Trailing bytes after the body
 * are ignored, as Go's stream decoder ignores them. Throws {@link DecodeError}.
 */
export function decodeMessage(bytesIn: Uint8Array): PacketMessage {
  if (bytesIn.length < 1) throw new DecodeError("empty message: missing type byte");
  const type = bytesIn[0] as number;
  const r = new MsgpackReader(bytesIn, 1);
  switch (type) {
    case MessageType.ping:
      return pingStruct.decode(r);
    case MessageType.indirectPing:
      return indirectPingStruct.decode(r);
    case MessageType.ackResp:
      return ackRespStruct.decode(r);
    case MessageType.nackResp:
      return nackRespStruct.decode(r);
    case MessageType.suspect:
      return suspectStruct.decode(r);
    case MessageType.alive:
      return aliveStruct.decode(r);
    case MessageType.dead:
      return deadStruct.decode(r);
    case MessageType.user:
      return { kind: "user", payload: bytesIn.slice(1) };
    default:
      throw new DecodeError(`message type ${type} cannot be decoded as a single packet message`);
  }
}

/** Writes the push/pull header and node states (no type byte, no user state). */
export function writePushPullBody(w: MsgpackWriter, msg: PushPull): void {
  pushPullHeaderStruct.encode(w, {
    nodes: msg.nodes.length,
    userStateLen: msg.userState.length,
    join: msg.join,
  });
  for (const n of msg.nodes) pushNodeStateStruct.encode(w, n);
  w.raw(msg.userState);
}

/** Encodes a whole push/pull: `[6]` + header + node states + raw user state bytes. */
export function encodePushPull(msg: PushPull): Uint8Array {
  writer.reset();
  writer.byte(MessageType.pushPull);
  writePushPullBody(writer, msg);
  return writer.toBytes();
}
