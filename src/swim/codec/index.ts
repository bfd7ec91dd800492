/**
 * The public, pure wire codec: memberlist and Serf messages, compound, compression, CRC,
 * label and the incremental stream reader. Everything here is safe to import from the
 * protocol core (no Node APIs). Decoders throw only `DecodeError`; encoders `EncodeError`.
 */
export * from "./types.js";
export { utf8Decode, utf8Encode } from "./utf8.js";
export { MsgpackWriter } from "./msgpack-writer.js";
export { MsgpackReader, TruncatedError } from "./msgpack-reader.js";
export { crc32 } from "./crc32.js";
export {
  MAX_COMPOUND_PARTS,
  decodeCompound,
  encodeCompound,
  encodeCompounds,
  type DecodedCompound,
} from "./compound.js";
export { LABEL_MAX_BYTES, addLabel, stripLabel, type Unlabelled } from "./label.js";
export {
  decodeMessage,
  encodeMessage,
  encodePushPull,
  type PushPullHeader,
  type UserMsgHeader,
} from "./memberlist-messages.js";
export {
  addCrc,
  decodePacket,
  decodePacketDetailed,
  encodeCompressed,
  encodePacket,
  encodePacketMessages,
  type PacketDecodeResult,
  type PacketEncodeOptions,
  type PacketLimits,
} from "./packet.js";
export {
  DEFAULT_STREAM_LIMITS,
  StreamMessageReader,
  decodeStreamMessage,
  encodeStreamMessage,
  type StreamLimits,
} from "./stream.js";
export {
  PING_VERSION,
  decodeConflictResponse,
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  decodeSerfMessage,
  encodeConflictResponse,
  encodeCoordinatePayload,
  encodeFilter,
  encodeKeyRequest,
  encodeKeyResponse,
  encodeSerfMessage,
  type RelayDestAddr,
  type SerfCoordinate,
  type SerfMemberInfo,
} from "./serf-messages.js";
export { META_MAX_BYTES, TAG_MAGIC_BYTE, decodeTags, encodeTags } from "./tags.js";
