/**
 * Pure, lossless UTF-8 for wire strings (no TextEncoder/TextDecoder: the protocol core is
 * type-checked without DOM or Node globals).
 *
 * Go strings are arbitrary byte sequences and memberlist never validates them, so a peer can
 * legitimately send a node name that is not valid UTF-8. Names are identities: we compare
 * them, re-gossip them and refute suspicions about them, so the bytes must survive a
 * decode/encode round trip exactly. Rejecting such a message would make that node invisible
 * to us; decoding with U+FFFD would silently change its identity. We therefore use the
 * "surrogateescape" scheme (Python's PEP 383): every byte that is not part of a well-formed
 * UTF-8 sequence decodes to the lone surrogate U+DC80..U+DCFF, and the encoder turns exactly
 * those lone surrogates back into the original byte. Valid UTF-8 never decodes to a lone
 * surrogate, so `utf8Encode(utf8Decode(b))` equals `b` for every byte string `b`. Other
 * lone surrogates (which cannot come from the decoder) encode as U+FFFD, like TextEncoder.
 */

/** Replacement character bytes for unencodable lone surrogates. */
const REPLACEMENT_0 = 0xef;
const REPLACEMENT_1 = 0xbf;
const REPLACEMENT_2 = 0xbd;

/** Number of bytes {@link utf8EncodeInto} writes for `s`. */
export function utf8Length(s: string): number {
  const n = s.length;
  let len = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 4;
        i++;
      } else len += 3;
    } else if (c >= 0xdc80 && c <= 0xdcff)
      len += 1; // escaped raw byte
    else len += 3;
  }
  return len;
}

/**
 * Writes `s` as UTF-8 into `out` at `offset` (the caller reserved {@link utf8Length} bytes)
 * and returns the offset after the last byte written.
 */
export function utf8EncodeInto(s: string, out: Uint8Array, offset: number): number {
  const n = s.length;
  let p = offset;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
      continue;
    }
    if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < n) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 0x3f);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
          continue;
        }
      }
      if (c >= 0xdc80 && c <= 0xdcff) {
        out[p++] = c - 0xdc00;
        continue;
      }
      out[p++] = REPLACEMENT_0;
      out[p++] = REPLACEMENT_1;
      out[p++] = REPLACEMENT_2;
      continue;
    }
    out[p++] = 0xe0 | (c >> 12);
    out[p++] = 0x80 | ((c >> 6) & 0x3f);
    out[p++] = 0x80 | (c & 0x3f);
  }
  return p;
}

/** Encodes `s` as UTF-8 (lone surrogates U+DC80..U+DCFF become the raw byte they escape). */
export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  utf8EncodeInto(s, out, 0);
  return out;
}

/** Strings up to this many bytes go through {@link shortAscii}'s cache. */
const MAX_INTERNED_LENGTH = 64;
const INTERN_SLOTS = 4096;
/**
 * Recently decoded short ASCII strings by a hash of their bytes. Every gossip packet carries
 * the same few hundred node names again and again; handing back the same string instance
 * saves allocating it, and its hash (cached in the string) for the Map lookups that follow.
 * A slot is overwritten on collision, so the cache stays bounded.
 */
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

/** `bytes[start, end)` as a string if every byte is ASCII, else undefined. */
function shortAscii(bytes: Uint8Array, start: number, end: number): string | undefined {
  let hash = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80) return undefined;
    hash = Math.imul(hash ^ b, 0x01000193);
  }
  const slot = (hash >>> 0) & (INTERN_SLOTS - 1);
  const cached = interned[slot];
  if (cached !== undefined && cached.length === end - start) {
    let i = 0;
    while (i < cached.length && cached.charCodeAt(i) === bytes[start + i]) i++;
    if (i === cached.length) return cached;
  }
  const decoded = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  interned[slot] = decoded;
  return decoded;
}

/** Code units are flushed to a string in batches of this size to bound argument-list length. */
const CHUNK = 4096;

/**
 * Decodes `bytes[start, end)` as UTF-8. Never throws: bytes that are not part of a
 * well-formed sequence (including overlongs, encoded surrogates and values above U+10FFFF)
 * decode to U+DC80..U+DCFF so that {@link utf8Encode} restores them exactly.
 */
export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // Fast path: short ASCII strings (node names, map keys) are by far the common case.
  if (end - start <= MAX_INTERNED_LENGTH) {
    const ascii = shortAscii(bytes, start, end);
    if (ascii !== undefined) return ascii;
  }
  const units: number[] = [];
  let result = "";
  let i = start;
  while (i < end) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      units.push(b0);
      i++;
    } else {
      const cp = decodeMultiByte(bytes, i, end, b0);
      if (cp < 0) {
        units.push(0xdc00 + b0);
        i++;
      } else if (cp >= 0x10000) {
        const v = cp - 0x10000;
        units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
        i += 4;
      } else {
        units.push(cp);
        i += cp < 0x800 ? 2 : 3;
      }
    }
    if (units.length >= CHUNK) {
      result += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  if (units.length > 0) result += String.fromCharCode.apply(null, units);
  return result;
}

/** The code point of the well-formed sequence starting at `i`, or -1 if it is not one. */
function decodeMultiByte(bytes: Uint8Array, i: number, end: number, b0: number): number {
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    if (i + 1 >= end) return -1;
    const b1 = bytes[i + 1] as number;
    if ((b1 & 0xc0) !== 0x80) return -1;
    return ((b0 & 0x1f) << 6) | (b1 & 0x3f);
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (i + 2 >= end) return -1;
    const b1 = bytes[i + 1] as number;
    const b2 = bytes[i + 2] as number;
    if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) return -1;
    const cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    // Overlong forms and UTF-16 surrogates are not well-formed UTF-8.
    if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
    return cp;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (i + 3 >= end) return -1;
    const b1 = bytes[i + 1] as number;
    const b2 = bytes[i + 2] as number;
    const b3 = bytes[i + 3] as number;
    if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return -1;
    const cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
    if (cp < 0x10000 || cp > 0x10ffff) return -1;
    return cp;
  }
  return -1;
}
