/**
 * memberlist's compound message (`util.go`): several messages in one packet,
 * `[7][count u8][count × length u16 BE][messages…]`. Pure.
 */
import { DecodeError, EncodeError } from "../../errors.js";
import { MessageType } from "./types.js";

/** A compound's count is one byte. */
export const MAX_COMPOUND_PARTS = 255;
/** Each part's length is a u16. */
export const MAX_COMPOUND_PART_BYTES = 0xffff;

/** Encodes 1..255 messages as one compound message. */
export function encodeCompound(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length > MAX_COMPOUND_PARTS) {
    throw new EncodeError(`compound of ${parts.length} parts exceeds ${MAX_COMPOUND_PARTS}`);
  }
  let total = 2 + parts.length * 2;
  for (const p of parts) {
    if (p.length > MAX_COMPOUND_PART_BYTES) {
      throw new EncodeError(`compound part of ${p.length} bytes exceeds ${MAX_COMPOUND_PART_BYTES}`);
    }
    total += p.length;
  }
  const out = new Uint8Array(total);
  out[0] = MessageType.compound;
  out[1] = parts.length;
  let h = 2;
  let pos = 2 + parts.length * 2;
  for (const p of parts) {
    out[h++] = p.length >>> 8;
    out[h++] = p.length & 0xff;
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Encodes any number of messages as compounds of at most 255 parts each, in order. */
export function encodeCompounds(parts: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += MAX_COMPOUND_PARTS) {
    out.push(encodeCompound(parts.slice(i, i + MAX_COMPOUND_PARTS)));
  }
  return out;
}

/** The parts of a compound message. */
export interface DecodedCompound {
  /** The complete parts, as views into the input (no copy). */
  readonly parts: Uint8Array[];
  /** How many declared parts were missing or cut short (memberlist logs and drops them). */
  readonly truncated: number;
}

/**
 * Splits a compound message (`bytes` starts with the type byte 7). As memberlist does, parts
 * cut off by the end of the packet are dropped and counted, and the complete ones kept;
 * a header too short for its own length table is a {@link DecodeError}.
 */
export function decodeCompound(bytes: Uint8Array): DecodedCompound {
  if (bytes.length < 1 || bytes[0] !== MessageType.compound) {
    throw new DecodeError("not a compound message");
  }
  if (bytes.length < 2) throw new DecodeError("compound: missing part count");
  const count = bytes[1] as number;
  let pos = 2 + count * 2;
  if (bytes.length < pos) throw new DecodeError(`compound: truncated length table for ${count} parts`);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = ((bytes[2 + i * 2] as number) << 8) | (bytes[3 + i * 2] as number);
    if (bytes.length - pos < len) return { parts, truncated: count - i };
    parts.push(bytes.subarray(pos, pos + len));
    pos += len;
  }
  return { parts, truncated: 0 };
}
