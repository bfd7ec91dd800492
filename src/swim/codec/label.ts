/**
 * memberlist's cluster label header (`label.go`): `[244][len 1..255][label bytes]` in front of
 * packets and streams. An empty label means "no header". Pure.
 */
import { DecodeError, EncodeError } from "../../errors.js";
import { MessageType } from "./types.js";
import { utf8Decode, utf8Encode } from "./utf8.js";

/** Longest label memberlist allows (its length is one byte). */
export const LABEL_MAX_BYTES = 255;

/** Prepends the label header; an empty label returns `bytes` unchanged. */
export function addLabel(label: string, bytes: Uint8Array): Uint8Array {
  if (label === "") return bytes;
  const lb = utf8Encode(label);
  if (lb.length > LABEL_MAX_BYTES) {
    throw new EncodeError(`label is ${lb.length} bytes; the limit is ${LABEL_MAX_BYTES}`);
  }
  const out = new Uint8Array(2 + lb.length + bytes.length);
  out[0] = MessageType.hasLabel;
  out[1] = lb.length;
  out.set(lb, 2);
  out.set(bytes, 2 + lb.length);
  return out;
}

/** The label ("" if none) and the bytes after the header (a view, not a copy). */
export interface Unlabelled {
  readonly label: string;
  readonly rest: Uint8Array;
}

/** Removes a label header if present. A present but empty or truncated header is a {@link DecodeError}. */
export function stripLabel(bytes: Uint8Array): Unlabelled {
  if (bytes.length === 0 || bytes[0] !== MessageType.hasLabel) return { label: "", rest: bytes };
  if (bytes.length < 2) throw new DecodeError("label header truncated");
  const size = bytes[1] as number;
  if (size < 1) throw new DecodeError("label header present but empty");
  if (bytes.length < 2 + size) throw new DecodeError("label header truncated");
  return { label: utf8Decode(bytes, 2, 2 + size), rest: bytes.subarray(2 + size) };
}
