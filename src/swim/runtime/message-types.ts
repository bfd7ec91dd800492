/**
 * Names the memberlist (and Serf) messages inside one plaintext packet, for per-type traffic
 * counters. It reads only type bytes and the compound length table: no msgpack decoding, so
 * counting costs O(parts) per packet. Compressed packets are counted as `compress` (opening
 * them here would double the cost of every received packet).
 */
import { decodeCompound } from "../codec/compound.js";
import { MessageType, SerfMessageType } from "../codec/types.js";

/** memberlist type byte → name. */
const MEMBERLIST_NAMES = new Map<number, string>(
  Object.entries(MessageType).map(([name, value]) => [value, name]),
);
/** Serf type byte (inside a memberlist `user` message) → name. */
const SERF_NAMES = new Map<number, string>(
  Object.entries(SerfMessageType).map(([name, value]) => [value, `serf.${name}`]),
);
/** Shoal's catalog extension (src/agent/catalog/catalog-gossip.ts) rides as Serf type 200. */
const CATALOG_SERF_TYPE = 200;
const CRC_HEADER_BYTES = 5;

/** The name of one (non-compound) message from its first bytes. */
export function messageTypeName(message: Uint8Array): string {
  const type = message[0];
  if (type === undefined) return "empty";
  if (type === MessageType.user) {
    const serfType = message[1];
    if (serfType === CATALOG_SERF_TYPE) return "serf.catalog";
    return (serfType === undefined ? undefined : SERF_NAMES.get(serfType)) ?? "serf.unknown";
  }
  return MEMBERLIST_NAMES.get(type) ?? "unknown";
}

/**
 * Calls `visit(name, bytes)` once per message in `packet` (plaintext). A `hasCrc` header is
 * skipped, a compound is split; a broken compound counts once as `malformed`.
 */
export function forEachMessage(packet: Uint8Array, visit: (name: string, bytes: number) => void): void {
  let body = packet;
  if (body[0] === MessageType.hasCrc) body = body.subarray(CRC_HEADER_BYTES);
  if (body[0] !== MessageType.compound) {
    visit(messageTypeName(body), body.length);
    return;
  }
  try {
    for (const part of decodeCompound(body).parts) forEachMessage(part, visit);
  } catch {
    visit("malformed", body.length);
  }
}
