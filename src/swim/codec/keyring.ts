/**
 * memberlist's keyring (`keyring.go`) as an immutable value: an ordered list of AES keys
 * where index 0 is the primary (the one that encrypts) and decryption tries every key in
 * order. Every operation returns a new {@link Keyring}, so a shell can swap its keyring
 * atomically and a packet in flight never sees a half-applied change.
 *
 * Pure: no Node APIs (base64 is done by hand), so configuration code anywhere may use it.
 */
import { CryptoError } from "../../errors.js";

/** Key lengths AES accepts: AES-128, AES-192 and AES-256. */
export const VALID_KEY_LENGTHS: readonly number[] = [16, 24, 32];

/** Throws {@link CryptoError} unless `key` is 16, 24 or 32 bytes long. */
export function validateKey(key: Uint8Array): void {
  if (!VALID_KEY_LENGTHS.includes(key.length)) {
    throw new CryptoError(`key size must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An ordered set of encryption keys; `keys[0]` is the primary. Immutable. */
export class Keyring {
  /** The installed keys, primary first. Each is a private copy; do not mutate. */
  readonly keys: readonly Uint8Array[];

  private constructor(keys: readonly Uint8Array[]) {
    this.keys = Object.freeze(keys.slice());
  }

  /** A keyring without keys: encryption is off. */
  static empty(): Keyring {
    return new Keyring([]);
  }

  /**
   * Builds a keyring like memberlist's `NewKeyring(keys, primary)`: `primary` (default the
   * first of `keys`) goes first, the other keys follow in order, duplicates are dropped.
   * Throws {@link CryptoError} for a key of the wrong size.
   */
  static of(keys: readonly Uint8Array[], primary?: Uint8Array): Keyring {
    const head = primary ?? keys[0];
    if (head === undefined) return Keyring.empty();
    validateKey(head);
    const out: Uint8Array[] = [head.slice()];
    for (const k of keys) {
      validateKey(k);
      if (!out.some((have) => sameKey(have, k))) out.push(k.slice());
    }
    return new Keyring(out);
  }

  /** {@link Keyring.of} over base64 keys (as `serf agent -encrypt` and keyring files take them). */
  static fromBase64(keys: readonly string[], primary?: string): Keyring {
    return Keyring.of(
      keys.map(decodeKeyBase64),
      primary === undefined ? undefined : decodeKeyBase64(primary),
    );
  }

  /** True when at least one key is installed, i.e. traffic is encrypted. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The key that encrypts, or `undefined` for an empty keyring. */
  get primary(): Uint8Array | undefined {
    return this.keys[0];
  }

  /** Whether `key` is installed. */
  has(key: Uint8Array): boolean {
    return this.keys.some((k) => sameKey(k, key));
  }

  /**
   * Installs `key` for decryption (memberlist `AddKey`): appended after the existing keys,
   * or made primary if the ring was empty. Installing an installed key changes nothing.
   */
  install(key: Uint8Array): Keyring {
    validateKey(key);
    if (this.has(key)) return this;
    return new Keyring([...this.keys, key.slice()]);
  }

  /**
   * Makes an installed key the primary (memberlist `UseKey`); the others keep their order.
   * Throws {@link CryptoError} if the key is not installed.
   */
  use(key: Uint8Array): Keyring {
    const idx = this.keys.findIndex((k) => sameKey(k, key));
    if (idx < 0) throw new CryptoError("requested key is not in the keyring");
    if (idx === 0) return this;
    const chosen = this.keys[idx] as Uint8Array;
    return new Keyring([chosen, ...this.keys.filter((_, i) => i !== idx)]);
  }

  /**
   * Removes a key (memberlist `RemoveKey`). Removing the primary is refused with a
   * {@link CryptoError}: promote another key with {@link use} first. Removing a key that is
   * not installed changes nothing, as in memberlist.
   */
  remove(key: Uint8Array): Keyring {
    const idx = this.keys.findIndex((k) => sameKey(k, key));
    if (idx === 0) {
      throw new CryptoError("removing the primary key is not allowed; make another key primary first");
    }
    if (idx < 0) return this;
    return new Keyring(this.keys.filter((_, i) => i !== idx));
  }

  /** The keys as base64, primary first (what Serf's `list-keys` reports). */
  list(): string[] {
    return this.keys.map(encodeKeyBase64);
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard padded base64 of `bytes` (Go's `base64.StdEncoding`). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
    out += ALPHABET.charAt((n >> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63);
    out += rest === 2 ? ALPHABET.charAt((n >> 6) & 63) + "=" : "==";
  }
  return out;
}

/**
 * Strict standard base64 (padding required, no whitespace), like Go's
 * `base64.StdEncoding.DecodeString`. Throws {@link CryptoError} on malformed input, since
 * base64 here only ever carries key material.
 */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new CryptoError("invalid base64: length is not a multiple of 4");
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const isPad = c === 61 && i + 4 === text.length && j >= 4 - pad;
      const v = isPad ? 0 : c < 128 ? (DECODE[c] as number) : -1;
      if (v < 0) throw new CryptoError(`invalid base64 character at offset ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
    else if (i + 4 === text.length && (pad === 2 ? n & 0xffff : pad === 1 ? n & 0xff : 0) !== 0) {
      // Go rejects non-zero bits in the padding positions ("illegal base64 data").
      throw new CryptoError("invalid base64: non-zero padding bits");
    }
  }
  return out;
}

/** Base64 of an encryption key; throws {@link CryptoError} for a wrong key size. */
export function encodeKeyBase64(key: Uint8Array): string {
  validateKey(key);
  return encodeBase64(key);
}

/** Decodes a base64 key and checks its size; throws {@link CryptoError}. */
export function decodeKeyBase64(text: string): Uint8Array {
  const key = decodeBase64(text);
  validateKey(key);
  return key;
}
