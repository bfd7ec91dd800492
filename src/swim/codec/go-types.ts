/**
 * {@link FieldCodec}s for the Go types that appear in memberlist and Serf messages, each
 * written the way go-msgpack v0.5.5 writes it and read as leniently as it reads it.
 *
 * Pure: no Node APIs.
 */
import { TruncatedError } from "./msgpack-reader.js";
import type { MsgpackReader } from "./msgpack-reader.js";

import type { MsgpackWriter } from "./msgpack-writer.js";
import type { FieldCodec } from "./struct.js";

const EMPTY = new Uint8Array(0);

/** A Go unsigned integer type whose largest value is `max`. */
class UintCodec implements FieldCodec<number> {
  constructor(private readonly max: number) {}
  write(w: MsgpackWriter, v: number): void {
    w.uint(v);
  }
  read(r: MsgpackReader): number {
    return r.readUint(this.max);
  }
  zero(): number {
    return 0;
  }
  isEmpty(v: number): boolean {
    return v === 0;
  }
}

/** Go `uint8`. */
export const u8: FieldCodec<number> = new UintCodec(0xff);
/** Go `uint16` (ports). */
export const u16: FieldCodec<number> = new UintCodec(0xffff);
/** Go `uint32` (sequence numbers, incarnations, query ids, flags). */
export const u32: FieldCodec<number> = new UintCodec(0xffff_ffff);
/** Go `uint64` (Lamport times), limited to safe integers. */
export const u64: FieldCodec<number> = new UintCodec(Number.MAX_SAFE_INTEGER);

/** Go `int`/`int64` (lengths, counts, `time.Duration`); unsigned forms when non-negative. */
export const int64: FieldCodec<number> = {
  write(w, v) {
    w.int(v);
  },
  read(r) {
    return r.readInt();
  },
  zero() {
    return 0;
  },
  isEmpty(v) {
    return v === 0;
  },
};

/** Go `float64`: always 0xcb on the wire. */
export const float64: FieldCodec<number> = {
  write(w, v) {
    w.float64(v);
  },
  read(r) {
    return r.readFloat();
  },
  zero() {
    return 0;
  },
  isEmpty(v) {
    return v === 0;
  },
};

/** Go `bool`. */
export const bool: FieldCodec<boolean> = {
  write(w, v) {
    w.bool(v);
  },
  read(r) {
    return r.readBool();
  },
  zero() {
    return false;
  },
  isEmpty(v) {
    return !v;
  },
};

/** Go `string`. */
export const str: FieldCodec<string> = {
  write(w, v) {
    w.str(v);
  },
  read(r) {
    return r.readString();
  },
  zero() {
    return "";
  },
  isEmpty(v) {
    return v.length === 0;
  },
};

/** Go `[]byte` where nil and empty mean the same (written as an empty raw string). */
export const bytes: FieldCodec<Uint8Array> = {
  write(w, v) {
    w.bytes(v);
  },
  read(r) {
    return r.readBytes();
  },
  zero() {
    return EMPTY;
  },
  isEmpty(v) {
    return v.length === 0;
  },
};

/**
 * {@link bytes}, read as a view into the decoder's input rather than a copy: for a payload used
 * at once and never kept (memberlist's compressed `Buf`, decompressed straight away), which
 * saves a copy of every compressed packet.
 */
export const bytesView: FieldCodec<Uint8Array> = {
  ...bytes,
  read(r) {
    return r.readBytesView();
  },
};

/**
 * Go `[]byte` that Go typically leaves nil when empty (query and ack-response payloads), so
 * an empty value is written as nil (0xc0) like Go does; it still reads back as empty.
 */
export const bytesNilIfEmpty: FieldCodec<Uint8Array> = {
  write(w, v) {
    w.bytes(v.length === 0 ? null : v);
  },
  read(r) {
    return r.readBytes();
  },
  zero() {
    return EMPTY;
  },
  isEmpty(v) {
    return v.length === 0;
  },
};

/** Go `[]byte` where nil is kept apart from empty (ackResp.Payload). */
export const bytesOrNull: FieldCodec<Uint8Array | null> = {
  write(w, v) {
    w.bytes(v);
  },
  read(r) {
    return r.readBytes();
  },
  zero() {
    return null;
  },
  isEmpty(v) {
    return v === null || v.length === 0;
  },
};

/**
 * Go `[]E`. Empty slices are written as an empty array, or as nil with `nilIfEmpty` for
 * slices Go builds by appending to a nil slice; nil reads as empty.
 */
export class SliceCodec<E> implements FieldCodec<readonly E[]> {
  constructor(
    private readonly elem: FieldCodec<E>,
    private readonly nilIfEmpty = false,
  ) {}
  write(w: MsgpackWriter, v: readonly E[]): void {
    if (v.length === 0 && this.nilIfEmpty) {
      w.nil();
      return;
    }
    w.arrayHeader(v.length);
    for (const e of v) this.elem.write(w, e);
  }
  read(r: MsgpackReader): readonly E[] {
    const n = r.readArrayHeader();
    // Never trust the declared count for allocation: each element needs at least one byte.
    if (n > r.remaining) throw new TruncatedError(`array of ${n} elements in ${r.remaining} bytes`);
    const out: E[] = [];
    for (let i = 0; i < n; i++) out.push(r.tryNil() ? this.elem.zero() : this.elem.read(r));
    return out;
  }
  zero(): readonly E[] {
    return [];
  }
  isEmpty(v: readonly E[]): boolean {
    return v.length === 0;
  }
}

/** Go `[]*E` / `[]E` with nil elements kept as `null` (Serf's event ring buffer). */
export class NullableSliceCodec<E> implements FieldCodec<readonly (E | null)[]> {
  constructor(private readonly elem: FieldCodec<E>) {}
  write(w: MsgpackWriter, v: readonly (E | null)[]): void {
    w.arrayHeader(v.length);
    for (const e of v) {
      if (e === null) w.nil();
      else this.elem.write(w, e);
    }
  }
  read(r: MsgpackReader): readonly (E | null)[] {
    const n = r.readArrayHeader();
    if (n > r.remaining) throw new TruncatedError(`array of ${n} elements in ${r.remaining} bytes`);
    const out: (E | null)[] = [];
    for (let i = 0; i < n; i++) out.push(r.tryNil() ? null : this.elem.read(r));
    return out;
  }
  zero(): readonly (E | null)[] {
    return [];
  }
  isEmpty(v: readonly (E | null)[]): boolean {
    return v.length === 0;
  }
}

/**
 * Go `map[string]V` as a `ReadonlyMap`. Go iterates maps in random order; we write keys
 * sorted so our output is deterministic (any order decodes the same in Go).
 */
export class StringMapCodec<V> implements FieldCodec<ReadonlyMap<string, V>> {
  constructor(private readonly value: FieldCodec<V>) {}
  write(w: MsgpackWriter, v: ReadonlyMap<string, V>): void {
    const keys = [...v.keys()].sort(compareUtf16AsUtf8);
    w.mapHeader(keys.length);
    for (const k of keys) {
      w.str(k);
      this.value.write(w, v.get(k) as V);
    }
  }
  read(r: MsgpackReader): ReadonlyMap<string, V> {
    const n = r.readMapHeader();
    if (n > r.remaining) throw new TruncatedError(`map of ${n} entries in ${r.remaining} bytes`);
    const out = new Map<string, V>();
    for (let i = 0; i < n; i++) {
      const k = r.readString();
      out.set(k, r.tryNil() ? this.value.zero() : this.value.read(r));
    }
    return out;
  }
  zero(): ReadonlyMap<string, V> {
    return new Map();
  }
  isEmpty(v: ReadonlyMap<string, V>): boolean {
    return v.size === 0;
  }
}

/** Go `map[string]string` as a plain record (Serf tags). Keys written sorted. */
export const stringRecord: FieldCodec<Readonly<Record<string, string>>> = {
  write(w, v) {
    const keys = Object.keys(v).sort(compareUtf16AsUtf8);
    w.mapHeader(keys.length);
    for (const k of keys) {
      w.str(k);
      w.str(v[k] as string);
    }
  },
  read(r) {
    const n = r.readMapHeader();
    if (n > r.remaining) throw new TruncatedError(`map of ${n} entries in ${r.remaining} bytes`);
    // A null-prototype object, so keys such as "__proto__" are plain data.
    const out = Object.create(null) as Record<string, string>;
    for (let i = 0; i < n; i++) {
      const k = r.readString();
      out[k] = r.readString();
    }
    return out;
  },
  zero() {
    return Object.create(null) as Record<string, string>;
  },
  isEmpty(v) {
    return Object.keys(v).length === 0;
  },
};

/**
 * Orders strings by their UTF-8 bytes (Go's string order). For strings without lone
 * surrogates this equals code point order, which differs from JS's UTF-16 order only when
 * comparing a BMP character above U+E000 with a supplementary one.
 */
export function compareUtf16AsUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** Maps a UTF-16 unit to a value whose order matches the UTF-8 byte order of its character. */
function rank(u: number): number {
  // Surrogates (supplementary characters, 4 UTF-8 bytes starting 0xf0) sort after U+FFFF;
  // escaped raw bytes U+DC80..U+DCFF encode as a single 0x80..0xff byte, which sorts after
  // every ASCII byte but before any multi-byte lead. Approximate: this only affects the
  // order of keys, never what is written or read.
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x10000;
  return u;
}
