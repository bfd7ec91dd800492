/**
 * Seeded generators of valid memberlist/Serf packets and streams, and the mutations the
 * fuzzer applies to them (bit flips, truncation, splices, corrupted length fields).
 */
import { encodeCompound } from "../swim/codec/compound.js";
import { encodeMessage } from "../swim/codec/memberlist-messages.js";
import { encodePacket } from "../swim/codec/packet.js";
import {
  encodeConflictResponse,
  encodeCoordinatePayload,
  encodeFilter,
  encodeKeyResponse,
  encodeSerfMessage,
} from "../swim/codec/serf-messages.js";
import { encodeStreamMessage } from "../swim/codec/stream.js";
import { encodeTags } from "../swim/codec/tags.js";
import type { NodeStateValue, PacketMessage, SerfMessage, StreamMessage } from "../swim/codec/types.js";
import { utf8Decode } from "../swim/codec/utf8.js";

/** A small, fast, seedable PRNG (sfc32, seeded through splitmix32). */
export class FuzzRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** Integers of every magnitude class, so every msgpack width appears. */
export function anyUint(rng: FuzzRng, max: number): number {
  const bits = rng.pick([4, 7, 8, 15, 16, 31, 32, 40, 53]);
  const v = bits > 31 ? rng.u32() * 2 ** (bits - 32) + rng.u32() : rng.u32() % 2 ** bits;
  return Math.min(Math.floor(v), max);
}

/** Strings of the shapes that break decoders: empty, invalid UTF-8, multi-byte, long, plain. */
export function str(rng: FuzzRng): string {
  const r = rng.int(10);
  if (r === 0) return "";
  if (r === 1) return utf8Decode(rng.bytes(rng.int(40))); // arbitrary Go byte strings
  if (r === 2) return "ü日🐟".repeat(1 + rng.int(4));
  if (r === 3) return "x".repeat(rng.int(300));
  return `node-${rng.int(1000)}`;
}

function ip(rng: FuzzRng): Uint8Array {
  return rng.bytes(rng.chance(0.8) ? 4 : 16);
}

/** Opaque bytes; the first byte is 0 so the fuzzer's nested decoding never mistakes them for a typed payload. */
function payload(rng: FuzzRng): Uint8Array {
  const out = rng.bytes(rng.chance(0.9) ? rng.int(40) : rng.int(2000));
  if (out.length > 0) out[0] = 0;
  return out;
}

/** A random valid Serf push/pull state (the user state of a memberlist push/pull). */
export function genSerfPushPull(rng: FuzzRng): Extract<SerfMessage, { kind: "pushPull" }> {
  const events = Array.from({ length: rng.int(40) }, () =>
    rng.chance(0.7)
      ? null
      : { lTime: anyUint(rng, 1e9), events: [{ name: str(rng), payload: payload(rng) }] },
  );
  return {
    kind: "pushPull",
    lTime: anyUint(rng, 1e12),
    statusLTimes: new Map(Array.from({ length: rng.int(6) }, () => [str(rng), anyUint(rng, 1e12)] as const)),
    leftMembers: Array.from({ length: rng.int(3) }, () => str(rng)),
    eventLTime: anyUint(rng, 1e12),
    events,
    queryLTime: anyUint(rng, 1e12),
  };
}

/** A random valid Serf message. */
export function genSerfMessage(rng: FuzzRng): SerfMessage {
  switch (rng.int(7)) {
    case 0:
      return {
        kind: "leave",
        lTime: anyUint(rng, Number.MAX_SAFE_INTEGER),
        node: str(rng),
        prune: rng.chance(0.5),
      };
    case 1:
      return { kind: "join", lTime: anyUint(rng, Number.MAX_SAFE_INTEGER), node: str(rng) };
    case 2:
      return genSerfPushPull(rng);
    case 3:
      return {
        kind: "userEvent",
        lTime: anyUint(rng, 1e12),
        name: str(rng),
        payload: payload(rng),
        cc: rng.chance(0.5),
      };
    case 4:
      return {
        kind: "query",
        lTime: anyUint(rng, 1e12),
        id: anyUint(rng, 0xffffffff),
        addr: ip(rng),
        port: anyUint(rng, 0xffff),
        sourceNode: str(rng),
        filters: [
          encodeFilter({ kind: "node", nodes: [str(rng), str(rng)] }),
          encodeFilter({ kind: "tag", tag: str(rng), expr: str(rng) }),
        ].slice(0, rng.int(3)),
        flags: rng.int(4),
        relayFactor: rng.int(256),
        timeoutNs: anyUint(rng, Number.MAX_SAFE_INTEGER),
        name: str(rng),
        payload: rng.chance(0.2)
          ? encodeKeyResponse({ result: true, message: str(rng), keys: [str(rng)], primaryKey: str(rng) })
          : payload(rng),
      };
    case 5:
      return {
        kind: "queryResponse",
        lTime: anyUint(rng, 1e12),
        id: anyUint(rng, 0xffffffff),
        from: str(rng),
        flags: rng.int(2),
        payload: rng.chance(0.2)
          ? encodeConflictResponse({
              name: str(rng),
              addr: ip(rng),
              port: anyUint(rng, 0xffff),
              tags: { role: str(rng) },
              status: rng.int(5),
              protocolMin: 1,
              protocolMax: 5,
              protocolCur: 2,
              delegateMin: 2,
              delegateMax: 5,
              delegateCur: 4,
            })
          : payload(rng),
      };
    default:
      return {
        kind: "relay",
        destAddr: { ip: ip(rng), port: anyUint(rng, 0xffff), zone: str(rng) },
        destName: str(rng),
        inner: encodeSerfMessage({ kind: "join", lTime: anyUint(rng, 1e6), node: str(rng) }),
      };
  }
}

function meta(rng: FuzzRng): Uint8Array {
  if (rng.chance(0.2)) return payload(rng).subarray(0, 20); // legacy role string
  return encodeTags({ role: str(rng).slice(0, 50), dc: "east" });
}

function vsn(rng: FuzzRng): Uint8Array {
  return rng.chance(0.9) ? Uint8Array.of(1, 5, 2, 2, 5, 5) : rng.bytes(rng.int(8));
}

/** A random valid memberlist packet message. */
export function genPacketMessage(rng: FuzzRng): PacketMessage {
  const seqNo = anyUint(rng, 0xffffffff);
  switch (rng.int(8)) {
    case 0:
      return rng.chance(0.5)
        ? { kind: "ping", seqNo, node: str(rng) }
        : {
            kind: "ping",
            seqNo,
            node: str(rng),
            sourceAddr: ip(rng),
            sourcePort: 1 + rng.int(65535),
            sourceNode: str(rng),
          };
    case 1:
      return {
        kind: "indirectPing",
        seqNo,
        target: ip(rng),
        port: anyUint(rng, 0xffff),
        node: str(rng),
        nack: rng.chance(0.5),
      };
    case 2: {
      const p = rng.int(3);
      return {
        kind: "ackResp",
        seqNo,
        payload:
          p === 0
            ? null
            : p === 1
              ? encodeCoordinatePayload({
                  vec: [0, 0, 0, 0, 0, 0, 0, 1e-3],
                  error: 1.5,
                  adjustment: 0,
                  height: 1e-5,
                })
              : payload(rng),
      };
    }
    case 3:
      return { kind: "nackResp", seqNo };
    case 4:
      return { kind: "suspect", incarnation: seqNo, node: str(rng), from: str(rng) };
    case 5:
      return {
        kind: "alive",
        incarnation: seqNo,
        node: str(rng),
        addr: ip(rng),
        port: anyUint(rng, 0xffff),
        meta: meta(rng),
        vsn: vsn(rng),
      };
    case 6:
      return { kind: "dead", incarnation: seqNo, node: str(rng), from: str(rng) };
    default:
      return { kind: "user", payload: encodeSerfMessage(genSerfMessage(rng)) };
  }
}

/** A random valid plaintext packet: one message or a compound, maybe compressed, maybe CRC'd. */
export function genPacket(rng: FuzzRng): Uint8Array {
  const count = rng.chance(0.4) ? 1 : 2 + rng.int(rng.chance(0.95) ? 10 : 300);
  const parts = Array.from({ length: count }, () => encodeMessage(genPacketMessage(rng)));
  const opts = { compress: rng.chance(0.4), crc: rng.chance(0.5) };
  if (parts.length <= 255) return encodePacket(parts, opts);
  // More than one compound's worth: nest compounds, as a packet may carry them.
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i += 255) chunks.push(encodeCompound(parts.slice(i, i + 255)));
  return encodePacket(chunks, opts);
}

/** A random valid memberlist push/pull carrying `userState` (the delegate's bytes). */
export function genPushPullMessage(
  rng: FuzzRng,
  userState: Uint8Array,
): Extract<StreamMessage, { kind: "pushPull" }> {
  return {
    kind: "pushPull",
    join: rng.chance(0.5),
    nodes: Array.from({ length: rng.int(rng.chance(0.9) ? 10 : 500) }, () => ({
      name: str(rng),
      addr: ip(rng),
      port: anyUint(rng, 0xffff),
      meta: meta(rng),
      incarnation: anyUint(rng, 0xffffffff),
      state: rng.int(4) as NodeStateValue,
      vsn: vsn(rng),
    })),
    userState,
  };
}

/** A random valid stream message. */
export function genStreamMessage(rng: FuzzRng): StreamMessage {
  switch (rng.int(5)) {
    case 0:
      return genPushPullMessage(
        rng,
        rng.chance(0.8) ? encodeSerfMessage(genSerfMessage(rng)) : new Uint8Array(0),
      );
    case 1:
      return { kind: "ping", seqNo: anyUint(rng, 0xffffffff), node: str(rng) };
    case 2:
      return {
        kind: "ackResp",
        seqNo: anyUint(rng, 0xffffffff),
        payload: rng.chance(0.5) ? null : payload(rng),
      };
    case 3:
      return { kind: "user", payload: encodeSerfMessage(genSerfMessage(rng)) };
    default:
      return { kind: "err", error: str(rng) };
  }
}

/** A random valid plaintext stream, compressed or not. */
export function genStream(rng: FuzzRng): Uint8Array {
  return encodeStreamMessage(genStreamMessage(rng), { compress: rng.chance(0.4) });
}

/** Type bytes that start a msgpack length or integer field worth corrupting. */
const LENGTH_BYTES = new Set([
  0xc4, 0xc5, 0xc6, 0xcc, 0xcd, 0xce, 0xcf, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
]);

/**
 * Applies 1..4 random mutations to a copy of `input` (or returns it untouched, 1 in 16, so
 * valid inputs are checked too). `other` is a second valid input for splices.
 */
export function mutate(
  rng: FuzzRng,
  input: Uint8Array,
  other: Uint8Array,
): { bytes: Uint8Array; mutated: boolean } {
  if (rng.int(16) === 0) return { bytes: input, mutated: false };
  let out = input.slice();
  const rounds = 1 + rng.int(4);
  for (let k = 0; k < rounds; k++) {
    const n = out.length;
    switch (rng.int(8)) {
      case 0: // bit flip
        if (n > 0) out[rng.int(n)]! ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (n > 0) out[rng.int(n)] = rng.u32() & 0xff;
        break;
      case 2: // truncate
        out = out.subarray(0, rng.int(n + 1));
        break;
      case 3: {
        // splice: a prefix of ours and a suffix of the other input
        const cut = rng.int(n + 1);
        const from = rng.int(other.length + 1);
        const joined = new Uint8Array(cut + other.length - from);
        joined.set(out.subarray(0, cut));
        joined.set(other.subarray(from), cut);
        out = joined;
        break;
      }
      case 4: {
        // corrupt a length/integer field: the bytes after a width marker become extreme
        const starts: number[] = [];
        for (let i = 0; i < n - 1; i++) if (LENGTH_BYTES.has(out[i] as number)) starts.push(i);
        if (starts.length > 0) {
          const at = rng.pick(starts) + 1;
          const fill = rng.pick([0xff, 0x00, 0x7f, 0x80]);
          for (let i = at; i < Math.min(n, at + 1 + rng.int(8)); i++) out[i] = fill;
        }
        break;
      }
      case 5: {
        // insert random bytes
        const at = rng.int(n + 1);
        const ins = rng.bytes(1 + rng.int(8));
        const joined = new Uint8Array(n + ins.length);
        joined.set(out.subarray(0, at));
        joined.set(ins, at);
        joined.set(out.subarray(at), at + ins.length);
        out = joined;
        break;
      }
      case 6: {
        // delete a range
        const at = rng.int(n + 1);
        const len = rng.int(16);
        const joined = new Uint8Array(n - Math.min(len, n - at));
        joined.set(out.subarray(0, at));
        joined.set(out.subarray(at + len), at);
        out = joined;
        break;
      }
      default: // compound length table / count corruption near the front
        if (n > 2) out[1 + rng.int(Math.min(6, n - 1))] = rng.u32() & 0xff;
    }
  }
  return { bytes: out, mutated: true };
}
