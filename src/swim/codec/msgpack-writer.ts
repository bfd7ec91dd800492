/**
 * A growable msgpack writer that emits exactly what HashiCorp's old go-msgpack codec (v0.5.5,
 * `MsgpackHandle{}` with `WriteExt=false`) emits, so our bytes are indistinguishable from a
 * Go memberlist/Serf peer's (PROTOCOL.md section 3.1):
 *
 * - unsigned integers in their smallest form (positive fixint, then 0xcc..0xcf);
 * - Go signed integers: non-negative values take the *unsigned* forms, negative values
 *   negative fixint or 0xd0..0xd3;
 * - floats always as float64 (0xcb);
 * - strings and byte slices both as the old "raw" family: fixstr, then 0xda, then 0xdb.
 *   The old spec has no str8 (0xd9), and Go emits none, so neither do we.
 *
 * Pure: no Node APIs. The buffer doubles when full and is reused between messages.
 */
import { EncodeError } from "../../errors.js";
import { utf8EncodeInto, utf8Length } from "./utf8.js";

const TWO_POW_32 = 0x1_0000_0000;

/** A reusable, grow-by-doubling msgpack output buffer. */
export class MsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  /** @param initialCapacity first buffer size in bytes; it doubles as needed. */
  constructor(initialCapacity = 512) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written since the last {@link reset}. */
  get length(): number {
    return this.pos;
  }

  /** Forgets the content but keeps the buffer, so the next message allocates nothing. */
  reset(): void {
    this.pos = 0;
  }

  /** A copy of the bytes written so far (the internal buffer is reused, so never alias it). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends one raw byte (a message type byte, not a msgpack value). */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Appends raw bytes verbatim (user state, inner messages). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** msgpack nil (Go's nil slice, map or pointer). */
  nil(): void {
    this.byte(0xc0);
  }

  /** msgpack bool. */
  bool(b: boolean): void {
    this.byte(b ? 0xc3 : 0xc2);
  }

  /** A Go unsigned integer (0 ..= 2^53-1 here) in its smallest form. */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new EncodeError(`not an unsigned safe integer: ${n}`);
    this.ensure(9);
    const b = this.buf;
    if (n < 0x80) {
      b[this.pos++] = n;
    } else if (n < 0x100) {
      b[this.pos++] = 0xcc;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = 0xcd;
      b[this.pos++] = n >>> 8;
      b[this.pos++] = n & 0xff;
    } else if (n < TWO_POW_32) {
      b[this.pos++] = 0xce;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xcf;
      this.view.setUint32(this.pos, Math.floor(n / TWO_POW_32));
      this.view.setUint32(this.pos + 4, n >>> 0);
      this.pos += 8;
    }
  }

  /** A Go signed integer, written the way the old codec does (unsigned forms when >= 0). */
  int(n: number): void {
    if (n >= 0) {
      this.uint(n);
      return;
    }
    if (!Number.isSafeInteger(n)) throw new EncodeError(`not a safe integer: ${n}`);
    this.ensure(9);
    const b = this.buf;
    if (n >= -32) {
      b[this.pos++] = n & 0xff;
    } else if (n >= -0x80) {
      b[this.pos++] = 0xd0;
      b[this.pos++] = n & 0xff;
    } else if (n >= -0x8000) {
      b[this.pos++] = 0xd1;
      this.view.setInt16(this.pos, n);
      this.pos += 2;
    } else if (n >= -0x8000_0000) {
      b[this.pos++] = 0xd2;
      this.view.setInt32(this.pos, n);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, BigInt(n));
      this.pos += 8;
    }
  }

  /** A Go float64: always 0xcb, so 0.0 stays a float on the wire. */
  float64(f: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, f);
    this.pos += 8;
  }

  /** Header of a raw/str value of `len` bytes (fixstr, 0xda, 0xdb: no str8 in the old spec). */
  rawHeader(len: number): void {
    this.ensure(5);
    const b = this.buf;
    if (len < 32) {
      b[this.pos++] = 0xa0 | len;
    } else if (len < 0x10000) {
      b[this.pos++] = 0xda;
      b[this.pos++] = len >>> 8;
      b[this.pos++] = len & 0xff;
    } else {
      b[this.pos++] = 0xdb;
      this.view.setUint32(this.pos, len);
      this.pos += 4;
    }
  }

  /** A Go string. */
  str(s: string): void {
    // ASCII fast path: one pass, no length pre-count.
    const n = s.length;
    if (n < 32) {
      this.ensure(1 + n * 3);
      const start = this.pos;
      const end = utf8EncodeInto(s, this.buf, start + 1);
      const len = end - start - 1;
      if (len < 32) {
        this.buf[start] = 0xa0 | len;
        this.pos = end;
        return;
      }
    }
    const len = utf8Length(s);
    this.rawHeader(len);
    this.ensure(len);
    this.pos = utf8EncodeInto(s, this.buf, this.pos);
  }

  /** A Go []byte: raw bytes, or nil for Go's nil slice. */
  bytes(b: Uint8Array | null): void {
    if (b === null) {
      this.nil();
      return;
    }
    this.rawHeader(b.length);
    this.raw(b);
  }

  /** Header of a map with `n` entries. */
  mapHeader(n: number): void {
    this.containerHeader(n, 0x80, 0xde);
  }

  /** Header of an array with `n` elements. */
  arrayHeader(n: number): void {
    this.containerHeader(n, 0x90, 0xdc);
  }

  private containerHeader(n: number, fix: number, b16: number): void {
    this.ensure(5);
    const b = this.buf;
    if (n < 16) {
      b[this.pos++] = fix | n;
    } else if (n < 0x10000) {
      b[this.pos++] = b16;
      b[this.pos++] = n >>> 8;
      b[this.pos++] = n & 0xff;
    } else {
      b[this.pos++] = b16 + 1;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }
}
