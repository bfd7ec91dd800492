/**
 * The plaintext UDP packet pipeline (PROTOCOL.md section 3.3), below encryption and label:
 *
 * send:    one message as is, several as a compound; LZW-compress and wrap as `compress`
 *          only if that is smaller; then the `hasCrc` header if asked.
 * receive: verify and strip `hasCrc`, then unwrap `compress` and `compound` recursively.
 *
 * Pure: no Node APIs.
 */
import { DecodeError, EncodeError } from "../../errors.js";
import { decodeCompound, encodeCompound, MAX_COMPOUND_PARTS } from "./compound.js";
import { crc32 } from "./crc32.js";
import { lzwCompress, lzwDecompress } from "./lzw.js";
import { LZW_ALGO, compressStruct, decodeMessage, encodeMessage } from "./memberlist-messages.js";
import { MsgpackReader } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import type { PacketMessage } from "./types.js";
import { MessageType } from "./types.js";

/** How a packet is wrapped on the way out. */
export interface PacketEncodeOptions {
  /** LZW-compress (kept only if smaller), as memberlist's `EnableCompression`. */
  readonly compress: boolean;
  /** Prepend `hasCrc`; memberlist does so for recipients with protocol max >= 5. */
  readonly crc: boolean;
}

/** Bounds on what one packet can make the decoder do. */
export interface PacketLimits {
  /** Largest decompressed payload (default 40 MB, memberlist's `maxDecompressedBytes`). */
  readonly maxDecompressedBytes?: number;
  /** Deepest compound/compress nesting followed (default 4; Go peers nest at most 2). */
  readonly maxDepth?: number;
}

/** Everything one packet decoded to, with what had to be dropped. */
export interface PacketDecodeResult {
  /** The messages, in packet order. */
  readonly messages: PacketMessage[];
  /** Compound parts cut off by the end of the packet (memberlist drops them with a warning). */
  readonly truncatedParts: number;
  /** Compound parts that failed to decode; memberlist logs and skips each one separately. */
  readonly failedParts: DecodeError[];
}

const DEFAULT_MAX_DECOMPRESSED = 40 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 4;
const HAS_CRC_HEADER = 5;

const writer = new MsgpackWriter(2048);

/** `[9]{Algo: 0, Buf: lzw(payload)}`. */
export function encodeCompressed(payload: Uint8Array): Uint8Array {
  const buf = lzwCompress(payload);
  writer.reset();
  writer.byte(MessageType.compress);
  compressStruct.encode(writer, { algo: LZW_ALGO, buf });
  return writer.toBytes();
}

/** Prepends `[12][crc32 BE]` computed over `payload`. */
export function addCrc(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HAS_CRC_HEADER + payload.length);
  const crc = crc32(payload);
  out[0] = MessageType.hasCrc;
  out[1] = crc >>> 24;
  out[2] = (crc >>> 16) & 0xff;
  out[3] = (crc >>> 8) & 0xff;
  out[4] = crc & 0xff;
  out.set(payload, HAS_CRC_HEADER);
  return out;
}

/**
 * Builds one plaintext packet from already encoded messages (`encodeMessage` output): one
 * message as is, 2..255 as a compound. Throws {@link EncodeError} for 0 or more than 255.
 */
export function encodePacket(messages: readonly Uint8Array[], opts: PacketEncodeOptions): Uint8Array {
  if (messages.length === 0) throw new EncodeError("a packet needs at least one message");
  if (messages.length > MAX_COMPOUND_PARTS) {
    throw new EncodeError(`${messages.length} messages do not fit one compound (max ${MAX_COMPOUND_PARTS})`);
  }
  let payload = messages.length === 1 ? (messages[0] as Uint8Array) : encodeCompound(messages);
  if (opts.compress) {
    const compressed = encodeCompressed(payload);
    if (compressed.length < payload.length) payload = compressed;
  }
  return opts.crc ? addCrc(payload) : payload;
}

/** {@link encodePacket} for message objects rather than encoded messages. */
export function encodePacketMessages(
  messages: readonly PacketMessage[],
  opts: PacketEncodeOptions,
): Uint8Array {
  return encodePacket(messages.map(encodeMessage), opts);
}

/**
 * Decodes a plaintext packet into its messages. The packet as a whole failing (CRC mismatch,
 * bad compression, a malformed single message, an unknown type) is a {@link DecodeError};
 * inside a compound, truncated or malformed parts are dropped and the rest kept, as
 * memberlist does. Use {@link decodePacketDetailed} to count what was dropped.
 */
export function decodePacket(bytes: Uint8Array, limits?: PacketLimits): PacketMessage[] {
  return decodePacketDetailed(bytes, limits).messages;
}

/** {@link decodePacket}, also reporting dropped compound parts. */
export function decodePacketDetailed(bytes: Uint8Array, limits: PacketLimits = {}): PacketDecodeResult {
  const messages: PacketMessage[] = [];
  const split = forEachPacketMessage(bytes, (message) => messages.push(decodeMessage(message)), limits);
  return { messages, truncatedParts: split.truncatedParts, failedParts: split.failedParts };
}

/** What {@link forEachPacketMessage} had to drop. */
export type PacketSplitResult = Omit<PacketDecodeResult, "messages">;

/**
 * Unwraps a plaintext packet (`hasCrc`, `compress`, `compound`, recursively) and hands each
 * message inside, still encoded (`[type][msgpack]`), to `visit`, in packet order. Errors as
 * {@link decodePacket}: a broken packet as a whole throws {@link DecodeError}; a compound part
 * that fails (including a {@link DecodeError} thrown by `visit` for it) is dropped and
 * reported, and the rest is still visited. For a receiver that decodes some messages only
 * later, or never (memberlist hands alive, suspect, dead and user messages to a bounded queue
 * still encoded, and drops them undecoded when it is full).
 */
export function forEachPacketMessage(
  bytes: Uint8Array,
  visit: (message: Uint8Array) => void,
  limits: PacketLimits = {},
): PacketSplitResult {
  let payload = bytes;
  if (payload.length >= 1 && payload[0] === MessageType.hasCrc) {
    if (payload.length < HAS_CRC_HEADER) throw new DecodeError("hasCrc header truncated");
    const expected =
      (((payload[1] as number) << 24) |
        ((payload[2] as number) << 16) |
        ((payload[3] as number) << 8) |
        (payload[4] as number)) >>>
      0;
    const actual = crc32(payload, HAS_CRC_HEADER);
    if (actual !== expected) {
      throw new DecodeError(`CRC mismatch: header ${hex32(expected)}, computed ${hex32(actual)}`);
    }
    payload = payload.subarray(HAS_CRC_HEADER);
  }
  const ctx: SplitContext = {
    maxDecompressed: limits.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED,
    maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH,
    visit,
    truncatedParts: 0,
    failedParts: [],
  };
  splitInto(payload, ctx, 0);
  return { truncatedParts: ctx.truncatedParts, failedParts: ctx.failedParts };
}

interface SplitContext {
  readonly maxDecompressed: number;
  readonly maxDepth: number;
  readonly visit: (message: Uint8Array) => void;
  truncatedParts: number;
  readonly failedParts: DecodeError[];
}

function splitInto(bytes: Uint8Array, ctx: SplitContext, depth: number): void {
  if (bytes.length === 0) throw new DecodeError("empty message: missing type byte");
  const type = bytes[0] as number;
  if (type === MessageType.compound) {
    if (depth >= ctx.maxDepth) throw new DecodeError(`packet nesting deeper than ${ctx.maxDepth}`);
    const { parts, truncated } = decodeCompound(bytes);
    ctx.truncatedParts += truncated;
    for (const part of parts) {
      try {
        splitInto(part, ctx, depth + 1);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        ctx.failedParts.push(err);
      }
    }
    return;
  }
  if (type === MessageType.compress) {
    if (depth >= ctx.maxDepth) throw new DecodeError(`packet nesting deeper than ${ctx.maxDepth}`);
    const c = compressStruct.decode(new MsgpackReader(bytes, 1));
    if (c.algo !== LZW_ALGO) throw new DecodeError(`unknown compression algorithm ${c.algo}`);
    splitInto(lzwDecompress(c.buf, ctx.maxDecompressed), ctx, depth + 1);
    return;
  }
  ctx.visit(bytes);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}
