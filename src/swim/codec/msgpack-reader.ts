/**
 * A cursor over msgpack bytes that reads values by the type the caller expects, as Go's
 * typed decoder does. It accepts any valid msgpack that Go's old codec would accept for the
 * same Go type (any integer width or signedness, str8, bin8/16/32 for byte fields, nil for
 * byte slices) and throws only {@link DecodeError}.
 *
 * Running out of input throws the subclass {@link TruncatedError}, so an incremental reader
 * (TCP streams have no length prefix) can tell "wait for more bytes" from "this is garbage".
 *
 * Pure: no Node APIs.
 */
import { DecodeError } from "../../errors.js";
import { utf8Decode } from "./utf8.js";

/** The input ended inside a value: more bytes may complete it. */
export class TruncatedError extends DecodeError {}

const TWO_POW_32 = 0x1_0000_0000;
/** Deepest nesting {@link MsgpackReader.skip} follows, so hostile input cannot blow the stack. */
const MAX_SKIP_DEPTH = 64;

/** Human-readable name of a msgpack type byte, for error messages. */
function describe(b: number): string {
  return `0x${b.toString(16).padStart(2, "0")}`;
}

/** A reading position over `bytes[start, end)`. */
export class MsgpackReader {
  /** The next byte to read. */
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  /** Bytes left before {@link end}. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new TruncatedError(
        `truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`,
      );
    }
  }

  /** The next type byte without consuming it. */
  peek(): number {
    this.need(1, "value");
    return this.bytes[this.pos] as number;
  }

  /** True (and consumes it) if the next value is nil. */
  tryNil(): boolean {
    if (this.peek() === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Reads one raw byte (a type byte outside msgpack). */
  readByte(): number {
    this.need(1, "byte");
    return this.bytes[this.pos++] as number;
  }

  private u16(): number {
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }

  private u32(): number {
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (
      (b[p] as number) * 0x100_0000 +
      (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number))
    );
  }

  /** Reads a big-endian 64-bit integer; refuses values outside the safe-integer range. */
  private i64(signed: boolean): number {
    const hi = this.u32();
    const lo = this.u32();
    if (signed && hi >= 0x8000_0000) {
      // Negative: two's complement of (hi, lo).
      const n = -((0xffff_ffff - hi) * TWO_POW_32 + (TWO_POW_32 - lo));
      if (!Number.isSafeInteger(n))
        throw new DecodeError(`integer ${describeBig(hi, lo, true)} is below -2^53`);
      return n;
    }
    const n = hi * TWO_POW_32 + lo;
    if (!Number.isSafeInteger(n))
      throw new DecodeError(`integer ${describeBig(hi, lo, false)} exceeds 2^53-1`);
    return n;
  }

  /** Reads any msgpack integer (any width, either signedness) as a safe JS integer. */
  readInt(): number {
    this.need(1, "integer");
    const t = this.bytes[this.pos++] as number;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xcc:
        this.need(1, "uint8");
        return this.bytes[this.pos++] as number;
      case 0xcd:
        this.need(2, "uint16");
        return this.u16();
      case 0xce:
        this.need(4, "uint32");
        return this.u32();
      case 0xcf:
        this.need(8, "uint64");
        return this.i64(false);
      case 0xd0: {
        this.need(1, "int8");
        const v = this.bytes[this.pos++] as number;
        return v >= 0x80 ? v - 0x100 : v;
      }
      case 0xd1: {
        this.need(2, "int16");
        const v = this.u16();
        return v >= 0x8000 ? v - 0x10000 : v;
      }
      case 0xd2: {
        this.need(4, "int32");
        const v = this.u32();
        return v >= 0x8000_0000 ? v - TWO_POW_32 : v;
      }
      case 0xd3:
        this.need(8, "int64");
        return this.i64(true);
      default:
        this.pos--;
        throw new DecodeError(`expected an integer, found type byte ${describe(t)} at offset ${this.pos}`);
    }
  }

  /**
   * Reads an integer for a Go unsigned field of at most `max` (e.g. 0xffff for uint16);
   * negative values and overflow are errors, as in Go's decoder.
   */
  readUint(max = Number.MAX_SAFE_INTEGER): number {
    const at = this.pos;
    const n = this.readInt();
    if (n < 0) throw new DecodeError(`negative value ${n} for an unsigned field at offset ${at}`);
    if (n > max) throw new DecodeError(`value ${n} overflows its field (max ${max}) at offset ${at}`);
    return n;
  }

  /** Reads a float (float32, float64, or any integer, as Go's decoder allows). */
  readFloat(): number {
    this.need(1, "float");
    const t = this.bytes[this.pos] as number;
    if (t === 0xcb) {
      this.need(9, "float64");
      const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos + 1, 8).getFloat64(0);
      this.pos += 9;
      return v;
    }
    if (t === 0xca) {
      this.need(5, "float32");
      const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos + 1, 4).getFloat32(0);
      this.pos += 5;
      return v;
    }
    return this.readInt();
  }

  /** Reads a bool (Go also accepts the fixints 0 and 1). */
  readBool(): boolean {
    this.need(1, "bool");
    const t = this.bytes[this.pos] as number;
    if (t === 0xc3 || t === 0x01) {
      this.pos++;
      return true;
    }
    if (t === 0xc2 || t === 0x00) {
      this.pos++;
      return false;
    }
    throw new DecodeError(`expected a bool, found type byte ${describe(t)} at offset ${this.pos}`);
  }

  /**
   * Reads the header of a str-family value and returns its byte length, leaving
   * {@link pos} at the first content byte (which must all be present).
   */
  readStrHeader(allowBin: boolean): number {
    this.need(1, "string");
    const t = this.bytes[this.pos] as number;
    let len: number;
    let hdr: number;
    if (t >= 0xa0 && t <= 0xbf) {
      len = t & 0x1f;
      hdr = 1;
    } else if (t === 0xd9 || (allowBin && t === 0xc4)) {
      this.need(2, "string header");
      len = this.bytes[this.pos + 1] as number;
      hdr = 2;
    } else if (t === 0xda || (allowBin && t === 0xc5)) {
      this.need(3, "string header");
      len = ((this.bytes[this.pos + 1] as number) << 8) | (this.bytes[this.pos + 2] as number);
      hdr = 3;
    } else if (t === 0xdb || (allowBin && t === 0xc6)) {
      this.need(5, "string header");
      this.pos++;
      len = this.u32();
      this.pos -= 5;
      hdr = 5;
    } else {
      throw new DecodeError(
        `expected ${allowBin ? "bytes" : "a string"}, found type byte ${describe(t)} at offset ${this.pos}`,
      );
    }
    this.need(hdr + len, allowBin ? "bytes" : "string");
    this.pos += hdr;
    return len;
  }

  /** Reads a Go string (str family only, like Go); invalid UTF-8 is kept losslessly (see utf8.ts). */
  readString(): string {
    if (this.tryNil()) return "";
    const len = this.readStrHeader(false);
    const start = this.pos;
    this.pos += len;
    return utf8Decode(this.bytes, start, start + len);
  }

  /** Reads a Go []byte (str or bin family; nil reads as empty). The result is a copy. */
  readBytes(): Uint8Array {
    if (this.tryNil()) return new Uint8Array(0);
    const len = this.readStrHeader(true);
    const start = this.pos;
    this.pos += len;
    return this.bytes.slice(start, start + len);
  }

  /**
   * Like {@link readBytes} but returns a view into the input, no copy: for bytes consumed
   * before the input could change (a compressed payload, decompressed at once).
   */
  readBytesView(): Uint8Array {
    if (this.tryNil()) return new Uint8Array(0);
    const len = this.readStrHeader(true);
    const start = this.pos;
    this.pos += len;
    return this.bytes.subarray(start, start + len);
  }

  /** Like {@link readBytes} but keeps Go's distinction between a nil slice and an empty one. */
  readBytesOrNull(): Uint8Array | null {
    if (this.tryNil()) return null;
    return this.readBytes();
  }

  /** Reads a map header and returns the entry count (nil reads as an empty map). */
  readMapHeader(): number {
    return this.containerHeader(0x80, 0xde, "map");
  }

  /** Reads an array header and returns the element count (nil reads as an empty array). */
  readArrayHeader(): number {
    return this.containerHeader(0x90, 0xdc, "array");
  }

  private containerHeader(fix: number, b16: number, what: string): number {
    this.need(1, what);
    const t = this.bytes[this.pos] as number;
    if ((t & 0xf0) === fix) {
      this.pos++;
      return t & 0x0f;
    }
    if (t === 0xc0) {
      this.pos++;
      return 0;
    }
    if (t === b16) {
      this.need(3, `${what} header`);
      this.pos++;
      return this.u16();
    }
    if (t === b16 + 1) {
      this.need(5, `${what} header`);
      this.pos++;
      return this.u32();
    }
    throw new DecodeError(
      `expected ${what === "map" ? "a map" : "an array"}, found type byte ${describe(t)} at offset ${this.pos}`,
    );
  }

  /** Skips one complete value of any type (unknown map keys' values). */
  skip(): void {
    this.skipDepth(0);
  }

  private skipDepth(depth: number): void {
    if (depth > MAX_SKIP_DEPTH) throw new DecodeError(`msgpack nesting deeper than ${MAX_SKIP_DEPTH}`);
    this.need(1, "value");
    const t = this.bytes[this.pos] as number;
    if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) {
      this.pos++;
      return;
    }
    if (t <= 0x8f) {
      const n = this.readMapHeader();
      for (let i = 0; i < n * 2; i++) this.skipDepth(depth + 1);
      return;
    }
    if (t <= 0x9f || t === 0xdc || t === 0xdd) {
      const n = this.readArrayHeader();
      for (let i = 0; i < n; i++) this.skipDepth(depth + 1);
      return;
    }
    if (t === 0xde || t === 0xdf) {
      const n = this.readMapHeader();
      for (let i = 0; i < n * 2; i++) this.skipDepth(depth + 1);
      return;
    }
    if (t <= 0xbf || t === 0xd9 || t === 0xda || t === 0xdb || t === 0xc4 || t === 0xc5 || t === 0xc6) {
      const len = this.readStrHeader(true);
      this.pos += len;
      return;
    }
    switch (t) {
      case 0xcc:
      case 0xd0:
        return this.skipBytes(2);
      case 0xcd:
      case 0xd1:
        return this.skipBytes(3);
      case 0xce:
      case 0xd2:
      case 0xca:
        return this.skipBytes(5);
      case 0xcf:
      case 0xd3:
      case 0xcb:
        return this.skipBytes(9);
      case 0xd4:
        return this.skipBytes(3);
      case 0xd5:
        return this.skipBytes(4);
      case 0xd6:
        return this.skipBytes(6);
      case 0xd7:
        return this.skipBytes(10);
      case 0xd8:
        return this.skipBytes(18);
      case 0xc7: {
        this.need(2, "ext8 header");
        return this.skipBytes(3 + (this.bytes[this.pos + 1] as number));
      }
      case 0xc8: {
        this.need(3, "ext16 header");
        const len = ((this.bytes[this.pos + 1] as number) << 8) | (this.bytes[this.pos + 2] as number);
        return this.skipBytes(4 + len);
      }
      case 0xc9: {
        this.need(5, "ext32 header");
        this.pos++;
        const len = this.u32();
        this.pos -= 5;
        return this.skipBytes(6 + len);
      }
      default:
        // 0xc1 is the only byte msgpack never uses.
        throw new DecodeError(`invalid msgpack type byte ${describe(t)} at offset ${this.pos}`);
    }
  }

  private skipBytes(n: number): void {
    this.need(n, "value");
    this.pos += n;
  }
}

function describeBig(hi: number, lo: number, signed: boolean): string {
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  return (signed ? BigInt.asIntN(64, v) : v).toString();
}
