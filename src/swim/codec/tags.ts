/**
 * Serf tags in memberlist's node Meta (`serf.go` encodeTags/decodeTags): the magic byte 0xFF
 * followed by a msgpack `map[string]string`. Meta without the magic byte is a legacy Serf
 * (protocol < 3) role string. Pure.
 */
import { DecodeError, EncodeError } from "../../errors.js";
import { stringRecord } from "./go-types.js";
import { MsgpackReader } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { utf8Decode } from "./utf8.js";

/** Serf's tag-encoding magic byte. */
export const TAG_MAGIC_BYTE = 0xff;
/** memberlist's `MetaMaxSize`: the whole encoded meta must fit. */
export const META_MAX_BYTES = 512;

const writer = new MsgpackWriter(META_MAX_BYTES);

/**
 * Encodes tags as node meta, keys sorted (Go writes them in random map order; any order
 * decodes the same). Throws {@link EncodeError} if the result exceeds 512 bytes.
 */
export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  writer.reset();
  writer.byte(TAG_MAGIC_BYTE);
  stringRecord.write(writer, tags);
  if (writer.length > META_MAX_BYTES) {
    throw new EncodeError(
      `encoded tags are ${writer.length} bytes; memberlist's meta limit is ${META_MAX_BYTES} bytes`,
    );
  }
  return writer.toBytes();
}

/**
 * Decodes node meta into tags: empty meta is no tags, meta without the magic byte is the
 * legacy `{ role: meta }`. The result has a null prototype. Throws {@link DecodeError}.
 */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  if (meta.length === 0) return Object.create(null) as Record<string, string>;
  if (meta[0] !== TAG_MAGIC_BYTE) {
    const legacy = Object.create(null) as Record<string, string>;
    legacy.role = utf8Decode(meta);
    return legacy;
  }
  const r = new MsgpackReader(meta, 1);
  if (r.remaining === 0) throw new DecodeError("tags: magic byte without a map");
  return stringRecord.read(r);
}
