/**
 * LZW as Go's `compress/lzw` speaks it with `Order = LSB` and `litWidth = 8`, which is what
 * memberlist's `compress` message (algorithm 0) carries:
 *
 * - codes are packed least-significant bit first;
 * - 0..255 are literals, 256 is the clear code, 257 is end-of-data;
 * - new codes start at 258 and the code width grows from 9 to 12 bits;
 * - the writer widens as soon as the *next implied* code reaches a power of two, and when
 *   that implied code would be 4095 it emits a clear code and starts over (so the writer
 *   never defines code 4095);
 * - the reader also accepts streams that never clear (it stops learning at 4095, like Go).
 *
 * Pure: typed arrays only, no Node APIs, so the protocol core may import it.
 */
import { DecodeError } from "../../errors.js";

const LIT_WIDTH = 8;
const CLEAR = 1 << LIT_WIDTH; // 256
const EOF = CLEAR + 1; // 257
const MAX_WIDTH = 12;
/** Largest code representable in 12 bits; Go's writer clears when its next code reaches it. */
const MAX_CODE = (1 << MAX_WIDTH) - 1; // 4095

// The writer's dictionary is an open-addressing hash table from a 20-bit key
// (prefix code << 8 | next byte) to a 12-bit code, stored as key << 12 | code; 0 marks a free
// slot (a stored code is >= 258). A call uses only as many slots as its input can need (at
// least twice the codes it can define, so probe chains stay short) and clears just those:
// gossip packets are at most ~1,400 bytes, and a 16 KiB table stays in the L1 cache where the
// full 64 KiB one (plus a generation array to avoid clearing it) spent 42 % of compress
// time in the probe loop, in a profile of 500 agents per process.
const MAX_TABLE_BITS = 14;
const writerTable = new Uint32Array(1 << MAX_TABLE_BITS);

/** log2 of the table size for an input of `length` bytes (it defines at most `length` codes). */
function tableBitsFor(length: number): number {
  let bits = 10;
  while (bits < MAX_TABLE_BITS && 1 << bits < 2 * Math.min(length, MAX_CODE)) bits++;
  return bits;
}

/**
 * Packs variable-width codes into a buffer reused across calls, least significant bit first.
 * Its state lives in fields and each `put` works on locals, which profiles as fast as writing
 * the packing out at every call site.
 */
class CodeWriter {
  private out = new Uint8Array(4096);
  private pos = 0;
  private bits = 0; // pending bits, never more than 20 between calls
  private nBits = 0;

  /** Starts a new output with room for `capacity` bytes. */
  reset(capacity: number): void {
    if (this.out.length < capacity) this.out = new Uint8Array(capacity);
    this.pos = 0;
    this.bits = 0;
    this.nBits = 0;
  }

  put(code: number, width: number): void {
    const out = this.out;
    let pos = this.pos;
    let bits = this.bits | (code << this.nBits);
    let nBits = this.nBits + width;
    while (nBits >= 8) {
      out[pos++] = bits & 0xff;
      bits >>>= 8;
      nBits -= 8;
    }
    this.pos = pos;
    this.bits = bits;
    this.nBits = nBits;
  }

  /** Flushes the last partial byte; returns an exact-size copy of the output. */
  finish(): Uint8Array {
    if (this.nBits > 0) this.out[this.pos++] = this.bits & 0xff;
    return this.out.slice(0, this.pos);
  }
}

const codeWriter = new CodeWriter();

/**
 * Compresses `input` exactly as Go's `lzw.NewWriter(w, lzw.LSB, 8)` does for one `Write`
 * followed by `Close`, including the leading clear code that Go (since 1.17) writes first.
 * The output is byte-for-byte what a current Go memberlist peer would send.
 */
export function lzwCompress(input: Uint8Array): Uint8Array {
  // Worst case every byte becomes its own 12-bit code, plus clears, the leading clear and EOF.
  const worstCodes = input.length + 3 + Math.ceil(input.length / 3000);
  // Module-scope bindings are read through a context object: locals for the per-byte loop.
  const w = codeWriter;
  w.reset(Math.ceil((worstCodes * MAX_WIDTH) / 8) + 1);
  const table = writerTable;
  const tableBits = tableBitsFor(input.length);
  const shift = 32 - tableBits;
  const mask = (1 << tableBits) - 1;
  let width = LIT_WIDTH + 1;
  let hi = EOF; // the code implied by the next emission
  let overflow = 1 << width;

  // Go writes a clear code first (the GIF spec's advice, applied unconditionally).
  w.put(CLEAR, width);
  if (input.length === 0) {
    w.put(EOF, width);
    return w.finish();
  }

  table.fill(0, 0, 1 << tableBits);
  let code = input[0] as number;
  for (let i = 1; i < input.length; i++) {
    const literal = input[i] as number;
    const key = (code << 8) | literal;
    let hash = Math.imul(key, 0x9e3779b1) >>> shift;
    let found = -1;
    for (let t = table[hash] as number; t !== 0; t = table[hash] as number) {
      if (t >>> 12 === key) {
        found = t & MAX_CODE;
        break;
      }
      hash = (hash + 1) & mask;
    }
    if (found >= 0) {
      code = found;
      continue;
    }
    w.put(code, width);
    code = literal;
    // Bump the implied code. The width grows when hi *reaches* the overflow boundary (not
    // when it passes it), because the very next emitted code may already be hi itself.
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      // Out of codes: Go sends clear at the current (12-bit) width and forgets everything;
      // the pending `code` is a literal and simply carries on into the fresh dictionary.
      w.put(CLEAR, width);
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = 1 << width;
      table.fill(0, 0, 1 << tableBits);
      continue;
    }
    // `hash` is now the first free slot of the probe chain.
    table[hash] = ((key << 12) | hi) >>> 0;
  }
  // Close: flush the pending code, then bump hi once more exactly as Go's Close does. That
  // bump can widen the EOF code (or even emit a clear first), which decoders expect.
  w.put(code, width);
  hi++;
  if (hi === overflow) {
    width++;
    overflow <<= 1;
  }
  if (hi === MAX_CODE) {
    w.put(CLEAR, width);
    width = LIT_WIDTH + 1;
  }
  w.put(EOF, width);
  return w.finish();
}

/**
 * The reader's dictionary, shared by every call: codes below 256 are the literals, set once
 * here; a call only ever (re)defines codes from 258 upwards before reading them, so nothing
 * stale can leak between calls and no per-packet allocation is needed.
 */
const readerTable = (() => {
  const table = {
    prefix: new Uint16Array(1 << MAX_WIDTH),
    suffix: new Uint8Array(1 << MAX_WIDTH),
    first: new Uint8Array(1 << MAX_WIDTH),
    length: new Uint16Array(1 << MAX_WIDTH),
  };
  for (let c = 0; c < CLEAR; c++) {
    table.suffix[c] = c;
    table.first[c] = c;
    table.length[c] = 1;
  }
  return table;
})();

/** The reader's reusable output buffer (see lzwDecompress). */
let readerOut: Uint8Array = new Uint8Array(8192);
/** Largest output buffer kept for reuse: push/pull streams may be megabytes, packets are not. */
const READER_OUT_KEEP_BYTES = 1 << 20;

/**
 * Decompresses a Go `compress/lzw` (LSB, litWidth 8) stream. Throws {@link DecodeError} on
 * an invalid code, on input that ends before the end-of-data code, or when the output would
 * exceed `maxOutputBytes` (memberlist caps this at 40 MB; callers pass their own bound).
 * Bytes after the end-of-data code are ignored, as Go's reader does.
 */
export function lzwDecompress(input: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (!(maxOutputBytes >= 0)) throw new DecodeError("lzw: maxOutputBytes must be >= 0");
  // Entry c expands to expansion(prefix[c]) + suffix[c]; length and first byte are cached
  // so an expansion can be written straight into place, back to front.
  const { prefix, suffix, first, length } = readerTable;

  // No closures over `out` and `o` here: a captured variable lives in a heap context, and
  // every access in this per-byte loop would pay for it.
  // Decoded into a buffer reused across calls (grown when an input needs more, never beyond
  // maxOutputBytes), so a call allocates once: the exact-size copy it returns.
  let out: Uint8Array = readerOut.length <= maxOutputBytes ? readerOut : new Uint8Array(maxOutputBytes);
  let o = 0;

  let width = LIT_WIDTH + 1;
  let hi = EOF; // the next code to be defined (after the first code of a run: 258)
  let overflow = 1 << width;
  let last = -1; // previous code, or -1 right after a clear (nothing to define)
  let pos = 0;
  let bits = 0;
  let nBits = 0;
  let mask = (1 << width) - 1;

  for (;;) {
    while (nBits < width) {
      if (pos >= input.length) throw new DecodeError("lzw: input ends before the end-of-data code");
      bits |= (input[pos++] as number) << nBits;
      nBits += 8;
    }
    const code = bits & mask;
    bits >>>= width;
    nBits -= width;

    if (code < CLEAR) {
      if (o >= out.length) out = grown(out, o, 1, maxOutputBytes);
      out[o++] = code;
      if (last >= 0) defineCode(hi, last, code);
    } else if (code === CLEAR) {
      width = LIT_WIDTH + 1;
      mask = (1 << width) - 1;
      hi = EOF;
      overflow = 1 << width;
      last = -1;
      continue;
    } else if (code === EOF) {
      if (out.length <= READER_OUT_KEEP_BYTES && out.length > readerOut.length) readerOut = out;
      return out.slice(0, o);
    } else if (code <= hi) {
      // code < hi is a known entry. code === hi is either the classic KwKwK case (the entry
      // being defined right now: expansion(last) + its own first byte) or, once the table is
      // full and learning stopped, the already-defined last entry.
      const kwkwk = code === hi && last >= 0;
      const base = kwkwk ? last : code;
      const n = (length[base] as number) + (kwkwk ? 1 : 0);
      if (o + n > out.length) out = grown(out, o, n, maxOutputBytes);
      let i = o + (length[base] as number) - 1;
      if (kwkwk) out[o + n - 1] = first[last] as number;
      for (let c = base; ; c = prefix[c] as number) {
        out[i--] = suffix[c] as number;
        if (c < CLEAR) break;
      }
      const head = first[base] as number;
      o += n;
      if (last >= 0) defineCode(hi, last, head);
    } else {
      throw new DecodeError(`lzw: invalid code ${code} (next free code is ${hi})`);
    }

    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        // Table full and no clear from the writer: stop learning, keep decoding.
        last = -1;
        hi--;
      } else {
        width++;
        mask = (1 << width) - 1;
        overflow <<= 1;
      }
    }
  }
}

/** Defines reader code `code` as the expansion of `pre` followed by `byte`. */
function defineCode(code: number, pre: number, byte: number): void {
  const { prefix, suffix, first, length } = readerTable;
  prefix[code] = pre;
  suffix[code] = byte;
  first[code] = first[pre] as number;
  length[code] = (length[pre] as number) + 1;
}

/** `out` (holding `used` bytes) with room for `extra` more, within `maxOutputBytes`. */
function grown(out: Uint8Array, used: number, extra: number, maxOutputBytes: number): Uint8Array {
  const need = used + extra;
  if (need > maxOutputBytes) throw new DecodeError(`lzw: decompressed data exceeds ${maxOutputBytes} bytes`);
  if (need <= out.length) return out;
  const bigger = new Uint8Array(Math.min(maxOutputBytes, Math.max(need, out.length * 2)));
  bigger.set(out.subarray(0, used));
  return bigger;
}
