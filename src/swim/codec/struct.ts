/**
 * Declare a Go struct once, as a list of fields, and derive both its msgpack encoder and its
 * decoder from that list, so encode and decode can never disagree about a field.
 *
 * Go's codec writes a struct as a map keyed by the Go field name, keys in sorted order
 * (byte-wise), skipping `omitempty` fields that hold their zero value. Its decoder matches keys
 * exactly, ignores unknown keys, treats nil as the zero value and leaves missing fields zeroed.
 * This module reproduces all of that.
 *
 * Pure: no Node APIs.
 */
import { DecodeError } from "../../errors.js";
import type { MsgpackReader } from "./msgpack-reader.js";
import type { MsgpackWriter } from "./msgpack-writer.js";
import { utf8Encode } from "./utf8.js";

/** How one Go type is written and read. Objects with methods, so hot loops make no closures. */
export interface FieldCodec<V> {
  /** Writes a value of this type. */
  write(w: MsgpackWriter, v: V): void;
  /** Reads a (non-nil) value of this type. */
  read(r: MsgpackReader): V;
  /** Go's zero value, used for missing and nil fields. */
  zero(): V;
  /** Go's `isEmptyValue`, which decides whether an `omitempty` field is left out. */
  isEmpty(v: V): boolean;
}

/** One struct field: Go name on the wire, camelCase property in TypeScript. */
export type FieldDef<T> = {
  [K in keyof T & string]: {
    /** The Go field name, exactly as spelled (the map key on the wire). */
    readonly go: string;
    /** The TypeScript property. */
    readonly key: K;
    readonly codec: FieldCodec<Exclude<T[K], undefined>>;
    /** Go's `codec:",omitempty"`: left out when empty, and optional (undefined) when decoded. */
    readonly omitEmpty?: boolean;
  };
}[keyof T & string];

/** Encoder and decoder of one Go struct, also usable as a field codec for nesting. */
export interface StructCodec<T> extends FieldCodec<T> {
  /** Writes `v` as a msgpack map with sorted Go keys. */
  encode(w: MsgpackWriter, v: T): void;
  /** Reads a msgpack map (nil reads as the zero struct) into a fresh object. */
  decode(r: MsgpackReader): T;
}

interface CompiledField {
  readonly go: string;
  readonly key: string;
  readonly codec: FieldCodec<unknown>;
  readonly omitEmpty: boolean;
  /** The msgpack-encoded key, written verbatim. */
  readonly keyRaw: Uint8Array;
  /** The UTF-8 bytes of the key, compared against incoming keys without making strings. */
  readonly keyBytes: Uint8Array;
}

/**
 * Compiles a field list into a {@link StructCodec}; the fields may be listed in any order.
 * `constants` (such as a `kind` discriminator) are set on every decoded object and never
 * written.
 */
export function defineStruct<T extends object>(
  name: string,
  fields: readonly FieldDef<T>[],
  constants?: Partial<T>,
): StructCodec<T> {
  const declared: CompiledField[] = fields.map((f): CompiledField => {
    const keyBytes = utf8Encode(f.go);
    if (keyBytes.length >= 32) throw new Error(`field name ${f.go} too long for a fixstr`);
    const keyRaw = new Uint8Array(keyBytes.length + 1);
    keyRaw[0] = 0xa0 | keyBytes.length;
    keyRaw.set(keyBytes, 1);
    return {
      go: f.go,
      key: f.key,
      codec: f.codec,
      omitEmpty: f.omitEmpty === true,
      keyRaw,
      keyBytes,
    };
  });
  const sorted = [...declared].sort((a, b) => compareBytes(a.keyBytes, b.keyBytes));
  return new CompiledStruct<T>(name, sorted, declared, Object.entries(constants ?? {}));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

class CompiledStruct<T extends object> implements StructCodec<T> {
  constructor(
    private readonly name: string,
    private readonly fields: readonly CompiledField[],
    /** Go declaration order, used when a struct arrives as an array (Go's StructToArray). */
    private readonly declared: readonly CompiledField[],
    private readonly constants: readonly (readonly [string, unknown])[],
  ) {
    let required = 0;
    for (let k = 0; k < fields.length; k++) {
      if (!(fields[k] as CompiledField).omitEmpty) required |= 1 << k;
    }
    this.required = fields.length <= 31 ? required : -1;
  }

  /**
   * Bit k set: fields[k] is not omitempty, so a decode that did not see it must zero it; -1
   * when the struct has more fields than the 31 a decode tracks (then every one is checked).
   */
  private readonly required: number;

  encode(w: MsgpackWriter, v: T): void {
    const rec = v as Record<string, unknown>;
    const fields = this.fields;
    let count = 0;
    for (const f of fields) {
      if (!f.omitEmpty || !this.empty(f, rec[f.key])) count++;
    }
    w.mapHeader(count);
    for (const f of fields) {
      const value = rec[f.key];
      if (f.omitEmpty && this.empty(f, value)) continue;
      w.raw(f.keyRaw);
      f.codec.write(w, value);
    }
  }

  private empty(f: CompiledField, value: unknown): boolean {
    return value === undefined || f.codec.isEmpty(value);
  }

  decode(r: MsgpackReader): T {
    const t = r.peek();
    if ((t & 0xf0) === 0x90 || t === 0xdc || t === 0xdd) {
      const record = this.zeroRecord();
      this.decodeArray(r, record);
      return record as T;
    }
    // Fields are set in wire order and only the missing ones get their zero value afterwards:
    // this runs for every gossiped message, and Go peers send every field in the same order,
    // so the objects share one shape and no zero value is built only to be overwritten.
    const out = this.constantsRecord();
    const fields = this.fields;
    const n = r.readMapHeader();
    // Go peers send keys in our sorted order, so guess "the field after the last one" first.
    let expect = 0;
    // Bit k set: fields[k] was read (only the first 31 fields are tracked, see `required`).
    let seen = 0;
    const bytes = r.bytes;
    const end = r.end;
    for (let i = 0; i < n; i++) {
      // Go's field names are fixstrs: read that header inline, anything else (errors included)
      // through readStrHeader.
      let start = r.pos;
      let len: number;
      const h = start < end ? (bytes[start] as number) : 0;
      if ((h & 0xe0) === 0xa0 && start + 1 + (h & 0x1f) <= end) {
        len = h & 0x1f;
        start++;
        r.pos = start + len;
      } else {
        len = r.readStrHeader(false);
        start = r.pos;
        r.pos += len;
      }
      const idx = findField(fields, bytes, start, len, expect);
      if (idx < 0) {
        r.skip();
        continue;
      }
      expect = idx + 1;
      if (idx < 31) seen |= 1 << idx;
      this.readField(r, fields[idx] as CompiledField, out);
    }
    // readField always sets a field that is not omitempty, so one still unset was not sent.
    const required = this.required;
    if (required < 0 || (seen & required) !== required) this.zeroMissing(out, seen);
    return out as T;
  }

  /**
   * Gives every field that is not omitempty and was not read its zero value. A field the bitmask
   * cannot vouch for (past the 31st) is zeroed only if its key is absent, as is one that
   * shares its key with a constant.
   */
  private zeroMissing(out: Record<string, unknown>, seen: number): void {
    const fields = this.fields;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k] as CompiledField;
      if (f.omitEmpty || (k < 31 && (seen & (1 << k)) !== 0)) continue;
      if (!(f.key in out)) out[f.key] = f.codec.zero();
    }
  }

  /** Go's decoder also accepts a struct as an array of its fields in declaration order. */
  private decodeArray(r: MsgpackReader, out: Record<string, unknown>): void {
    const n = r.readArrayHeader();
    const declared = this.declared;
    for (let i = 0; i < n; i++) {
      const f = declared[i];
      if (f === undefined) r.skip();
      else this.readField(r, f, out);
    }
  }

  private readField(r: MsgpackReader, f: CompiledField, out: Record<string, unknown>): void {
    if (r.tryNil()) {
      if (f.omitEmpty) delete out[f.key];
      else out[f.key] = f.codec.zero();
      return;
    }
    try {
      out[f.key] = f.codec.read(r);
    } catch (err) {
      if (err instanceof DecodeError) throw err;
      throw new DecodeError(`${this.name}.${f.go}: ${String(err)}`, { cause: err });
    }
  }

  write(w: MsgpackWriter, v: T): void {
    this.encode(w, v);
  }

  read(r: MsgpackReader): T {
    return this.decode(r);
  }

  zero(): T {
    return this.zeroRecord() as T;
  }

  private zeroRecord(): Record<string, unknown> {
    const out = this.constantsRecord();
    for (const f of this.fields) if (!f.omitEmpty) out[f.key] = f.codec.zero();
    return out;
  }

  /** A new record holding only the struct's constants (such as `kind`). */
  private constantsRecord(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const constants = this.constants;
    for (let i = 0; i < constants.length; i++) {
      const entry = constants[i] as readonly [string, unknown];
      out[entry[0]] = entry[1];
    }
    return out;
  }

  isEmpty(): boolean {
    // Go never treats a struct value as empty for omitempty.
    return false;
  }
}

function findField(
  fields: readonly CompiledField[],
  bytes: Uint8Array,
  start: number,
  len: number,
  expect: number,
): number {
  const n = fields.length;
  for (let k = 0; k < n; k++) {
    let idx = expect + k;
    if (idx >= n) idx -= n;
    const kb = (fields[idx] as CompiledField).keyBytes;
    if (kb.length !== len) continue;
    let j = 0;
    while (j < len && kb[j] === bytes[start + j]) j++;
    if (j === len) return idx;
  }
  return -1;
}
