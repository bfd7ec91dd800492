/**
 * Encryption and cluster-label framing of packets and streams (PROTOCOL.md sections 3.3-3.5;
 * memberlist `security.go`, `net.go`, `label.go`).
 *
 * packet: `[label header?][vsn][12-byte nonce][ciphertext ‖ 16-byte tag]`, AAD = label bytes
 * stream: `[label header?][10][u32 BE length][vsn][nonce][ciphertext ‖ tag]`,
 *         AAD = `[10][length]` ‖ label bytes
 *
 * Version 0 PKCS7-pads the plaintext to the AES block size first (memberlist protocol 1);
 * version 1 does not. Both are accepted on receive. With an empty keyring nothing is
 * encrypted and only the label is added or checked.
 *
 * Wire-format caveat (memberlist's, kept for compatibility): the version byte is neither
 * AAD nor ciphertext, so it is not authenticated. Flipping it can only toggle PKCS7 unpadding
 * of an otherwise authentic message; a bad pad is refused here (memberlist would panic).
 *
 * This module needs AES-GCM and a CSPRNG, so it uses `node:crypto` and lives outside the pure
 * core: the shell seals and opens, the core sees only plaintext memberlist messages.
 * Failures are {@link CryptoError} (cannot decrypt, refused plaintext) or
 * {@link DecodeError} (malformed or mismatched label, broken framing); never a Node error.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { CryptoError, DecodeError, EncodeError } from "../../errors.js";
import type { Keyring } from "./keyring.js";
import { LABEL_MAX_BYTES, stripLabel } from "./label.js";
import { MessageType } from "./types.js";
import { utf8Encode } from "./utf8.js";

/** memberlist encryption versions: 0 = PKCS7-padded (protocol 1), 1 = unpadded. */
export const EncryptionVersion = { padded: 0, unpadded: 1 } as const;
/** One of {@link EncryptionVersion}'s values. */
export type EncryptionVersionValue = (typeof EncryptionVersion)[keyof typeof EncryptionVersion];

const EMPTY: Uint8Array = new Uint8Array(0);
const VERSION_SIZE = 1;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BLOCK_SIZE = 16;
/** `[10][u32 length]` in front of an encrypted stream body. */
const STREAM_HEADER_SIZE = 5;

/** Bytes encryption adds with version 1: version + nonce + tag. */
export const ENCRYPTION_OVERHEAD = VERSION_SIZE + NONCE_SIZE + TAG_SIZE; // 29
/** Most bytes encryption can add (version 0 pads by up to a whole block). */
export const MAX_ENCRYPTION_OVERHEAD = ENCRYPTION_OVERHEAD + BLOCK_SIZE; // 45
/** memberlist refuses encrypted stream bodies larger than this (`maxPushStateBytes`, 20 MB). */
export const DEFAULT_MAX_ENCRYPTED_STREAM_BYTES = 20 * 1024 * 1024;

/** Length of `[vsn][nonce][ct‖tag]` for a plaintext of `plainLength` bytes (memberlist `encryptedLength`). */
export function encryptedLength(version: EncryptionVersionValue, plainLength: number): number {
  const body = version === EncryptionVersion.padded ? plainLength + pkcs7PadLength(plainLength) : plainLength;
  return ENCRYPTION_OVERHEAD + body;
}

/** Options for sealing outgoing packets and streams. */
export interface SealOptions {
  /** Keys; the primary encrypts. Empty (or absent) means no encryption, only the label. */
  readonly keyring?: Keyring | undefined;
  /** Cluster label ("" or absent: no label header). At most 255 bytes of UTF-8. */
  readonly label?: string | undefined;
  /** 1 (default) unless speaking memberlist protocol 1, which wants 0. */
  readonly encryptionVersion?: EncryptionVersionValue | undefined;
}

/** Options for opening incoming packets and streams. */
export interface OpenOptions {
  /** Keys tried in order. Empty (or absent) means encryption is off. */
  readonly keyring?: Keyring | undefined;
  /** The label this node expects ("" or absent: none). */
  readonly label?: string | undefined;
  /**
   * memberlist's `GossipVerifyIncoming` (default true). When false, a packet that does not
   * decrypt is taken as plaintext, and a plaintext stream is accepted while encryption is
   * on: the setting used while a cluster migrates to encryption.
   */
  readonly verifyIncoming?: boolean | undefined;
  /**
   * memberlist's `SkipInboundLabelCheck`: the label was already removed by an outer
   * transport. A label header on the wire is then an error ("double label"), and the
   * configured label is still used as authenticated data.
   */
  readonly skipLabelCheck?: boolean | undefined;
  /** Largest encrypted stream body accepted (default 20 MB, as memberlist). */
  readonly maxStreamBytes?: number | undefined;
}

/** Thrown when a packet or stream carries a different cluster label than ours. */
export class LabelMismatchError extends DecodeError {
  /** The label found on the wire ("" if none). */
  readonly received: string;

  constructor(received: string, expected: string) {
    super(`unacceptable cluster label ${JSON.stringify(received)} (expected ${JSON.stringify(expected)})`);
    this.received = received;
  }
}

/**
 * Encrypts (if the keyring has keys) and labels one outgoing UDP packet. Throws
 * {@link EncodeError} for a label over 255 bytes.
 */
export function sealPacket(plain: Uint8Array, opts: SealOptions): Uint8Array {
  const label = labelBytes(opts.label);
  const key = opts.keyring?.primary;
  const bodyLen = key === undefined ? plain.length : encryptedLength(versionOf(opts), plain.length);
  const head = label.length === 0 ? 0 : 2 + label.length;
  const out = new Uint8Array(head + bodyLen);
  writeLabelHeader(out, label);
  if (key === undefined) out.set(plain, head);
  else encryptInto(out, head, versionOf(opts), key, plain, label);
  return out;
}

/**
 * Removes the label and decrypts one incoming UDP packet, returning the plaintext (possibly
 * CRC/compressed/compound) memberlist bytes. Throws {@link LabelMismatchError} or
 * {@link DecodeError} for label problems and {@link CryptoError} if no key decrypts it
 * (unless `verifyIncoming` is false: then the bytes are returned as plaintext).
 */
export function openPacket(bytes: Uint8Array, opts: OpenOptions): Uint8Array {
  const { rest, aad } = checkLabel(bytes, opts);
  const keyring = opts.keyring;
  if (keyring === undefined || !keyring.enabled) return rest;
  try {
    return decryptPayload(keyring.keys, rest, aad);
  } catch (err) {
    if (opts.verifyIncoming === false && err instanceof CryptoError) return rest;
    throw err;
  }
}

/**
 * Frames one outgoing stream message (already compressed if compression is on): label header,
 * then, if the keyring has keys, `[10][u32 length]` and the sealed body authenticated
 * together with that header and the label. Throws {@link EncodeError} for a label over
 * 255 bytes or a body over 4 GiB.
 */
export function sealStream(plain: Uint8Array, opts: SealOptions): Uint8Array {
  const label = labelBytes(opts.label);
  const key = opts.keyring?.primary;
  const head = label.length === 0 ? 0 : 2 + label.length;
  if (key === undefined) {
    const out = new Uint8Array(head + plain.length);
    writeLabelHeader(out, label);
    out.set(plain, head);
    return out;
  }
  const vsn = versionOf(opts);
  const encLen = encryptedLength(vsn, plain.length);
  if (encLen > 0xffff_ffff) throw new EncodeError(`encrypted stream body of ${encLen} bytes exceeds 4 GiB`);
  const out = new Uint8Array(head + STREAM_HEADER_SIZE + encLen);
  writeLabelHeader(out, label);
  writeStreamHeader(out, head, encLen);
  const aad = concat(out.subarray(head, head + STREAM_HEADER_SIZE), label);
  encryptInto(out, head + STREAM_HEADER_SIZE, vsn, key, plain, aad);
  return out;
}

/** Where {@link StreamFrameReader} is in the stream. */
const FramePhase = { label: 0, kind: 1, header: 2, body: 3, passThrough: 4, done: 5, failed: 6 } as const;
type FramePhaseValue = (typeof FramePhase)[keyof typeof FramePhase];

/**
 * Incremental reader of an incoming stream's outer layers: the optional label header and,
 * when the stream is encrypted, the `[10][length]` frame. {@link push} returns the plaintext
 * message bytes available so far, to be fed to a `StreamMessageReader`:
 *
 * - plaintext stream: every byte after the label, as it arrives;
 * - encrypted stream: nothing until the whole frame is in, then the complete decrypted
 *   message at once. Bytes after the frame are ignored (a stream carries one message).
 *
 * Errors: {@link LabelMismatchError}/{@link DecodeError} for label or framing problems,
 * {@link CryptoError} for an undecryptable body, for an encrypted stream when we have no
 * keys, and for a plaintext stream when encryption is on and `verifyIncoming` holds (as
 * memberlist's `readStream`). After an error the reader stays failed.
 */
export class StreamFrameReader {
  private readonly opts: OpenOptions;
  private phase: FramePhaseValue = FramePhase.label;
  private pending: Uint8Array = new Uint8Array(0);
  private labelText = "";
  private aadLabel: Uint8Array = EMPTY;
  private bodyLen = 0;
  private header: Uint8Array = EMPTY;
  private encryptedFlag: boolean | undefined;

  /** @param opts the same options as {@link openPacket}. */
  constructor(opts: OpenOptions) {
    this.opts = opts;
  }

  /** The label found on the stream once read ("" if none). */
  get label(): string {
    return this.labelText;
  }

  /** Whether the stream turned out to be encrypted; `undefined` until its first message byte. */
  get encrypted(): boolean | undefined {
    return this.encryptedFlag;
  }

  /** True once an encrypted stream's frame has been decrypted and returned. */
  get done(): boolean {
    return this.phase === FramePhase.done;
  }

  /** Feeds the next chunk from the socket; returns the plaintext message bytes now available. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.phase === FramePhase.failed) throw new DecodeError("stream frame reader already failed");
    if (this.phase === FramePhase.passThrough) return chunk;
    if (this.phase === FramePhase.done) return EMPTY;
    // Copy: the caller may reuse its chunk buffer while we still wait for the rest of a frame.
    this.pending = this.pending.length === 0 ? chunk.slice() : concat(this.pending, chunk);
    try {
      return this.advance();
    } catch (err) {
      this.phase = FramePhase.failed;
      if (err instanceof CryptoError || err instanceof DecodeError) throw err;
      throw new CryptoError(`stream frame failed: ${String(err)}`, { cause: err });
    }
  }

  private advance(): Uint8Array {
    for (;;) {
      const buf = this.pending;
      switch (this.phase) {
        case FramePhase.label: {
          if (buf.length === 0) return EMPTY;
          if (buf[0] === MessageType.hasLabel) {
            if (buf.length < 2) return EMPTY;
            const size = buf[1] as number;
            if (buf.length < 2 + size) return EMPTY;
          }
          const { rest, aad, label } = checkLabel(buf, this.opts);
          this.labelText = label;
          this.aadLabel = aad;
          this.pending = rest;
          this.phase = FramePhase.kind;
          break;
        }
        case FramePhase.kind: {
          if (buf.length === 0) return EMPTY;
          const enabled = this.opts.keyring?.enabled === true;
          if (buf[0] === MessageType.encrypt) {
            if (!enabled)
              throw new CryptoError("remote stream is encrypted and encryption is not configured");
            this.encryptedFlag = true;
            this.phase = FramePhase.header;
            break;
          }
          if (enabled && this.opts.verifyIncoming !== false) {
            throw new CryptoError("encryption is configured but the remote stream is not encrypted");
          }
          this.encryptedFlag = false;
          this.phase = FramePhase.passThrough;
          this.pending = EMPTY;
          return buf;
        }
        case FramePhase.header: {
          if (buf.length < STREAM_HEADER_SIZE) return EMPTY;
          const len =
            (((buf[1] as number) << 24) |
              ((buf[2] as number) << 16) |
              ((buf[3] as number) << 8) |
              (buf[4] as number)) >>>
            0;
          const max = this.opts.maxStreamBytes ?? DEFAULT_MAX_ENCRYPTED_STREAM_BYTES;
          if (len > max)
            throw new DecodeError(`encrypted stream body of ${len} bytes exceeds the ${max}-byte limit`);
          this.bodyLen = len;
          this.header = buf.slice(0, STREAM_HEADER_SIZE);
          this.pending = buf.subarray(STREAM_HEADER_SIZE);
          this.phase = FramePhase.body;
          break;
        }
        case FramePhase.body: {
          if (buf.length < this.bodyLen) return EMPTY;
          const keys = (this.opts.keyring as Keyring).keys;
          const plain = decryptPayload(
            keys,
            buf.subarray(0, this.bodyLen),
            concat(this.header, this.aadLabel),
          );
          if (plain.length === 0) throw new DecodeError("encrypted stream decrypted to an empty message");
          this.phase = FramePhase.done;
          this.pending = EMPTY;
          return plain;
        }
        default:
          return EMPTY;
      }
    }
  }
}

/**
 * Opens a complete incoming stream held in one buffer (label, then encryption frame or
 * plaintext) and returns the plaintext message bytes. For an encrypted stream that is cut
 * short this throws {@link DecodeError}.
 */
export function openStream(bytes: Uint8Array, opts: OpenOptions): Uint8Array {
  const reader = new StreamFrameReader(opts);
  const out = reader.push(bytes);
  if (reader.encrypted === true && !reader.done) {
    throw new DecodeError(`encrypted stream incomplete after ${bytes.length} bytes`);
  }
  if (reader.encrypted === undefined) throw new DecodeError("stream ended before its first message byte");
  return out;
}

// ---------------------------------------------------------------------------------------------

function versionOf(opts: SealOptions): EncryptionVersionValue {
  return opts.encryptionVersion ?? EncryptionVersion.unpadded;
}

function labelBytes(label: string | undefined): Uint8Array {
  if (label === undefined || label === "") return EMPTY;
  const bytes = utf8Encode(label);
  if (bytes.length > LABEL_MAX_BYTES) {
    throw new EncodeError(`label is ${bytes.length} bytes; the limit is ${LABEL_MAX_BYTES}`);
  }
  return bytes;
}

function writeLabelHeader(out: Uint8Array, label: Uint8Array): void {
  if (label.length === 0) return;
  out[0] = MessageType.hasLabel;
  out[1] = label.length;
  out.set(label, 2);
}

function writeStreamHeader(out: Uint8Array, at: number, len: number): void {
  out[at] = MessageType.encrypt;
  out[at + 1] = len >>> 24;
  out[at + 2] = (len >>> 16) & 0xff;
  out[at + 3] = (len >>> 8) & 0xff;
  out[at + 4] = len & 0xff;
}

/** Strips and checks the label as memberlist's `ingestPacket`/`handleConn` do. */
function checkLabel(
  bytes: Uint8Array,
  opts: OpenOptions,
): { rest: Uint8Array; aad: Uint8Array; label: string } {
  const expected = opts.label ?? "";
  const { label, rest } = stripLabel(bytes);
  if (opts.skipLabelCheck === true) {
    if (label !== "") throw new DecodeError(`unexpected double label header ${JSON.stringify(label)}`);
    return { rest, aad: labelBytes(expected), label: expected };
  }
  if (label !== expected) throw new LabelMismatchError(label, expected);
  // The AAD is the label exactly as it was on the wire.
  const aad = label === "" ? EMPTY : bytes.subarray(2, 2 + (bytes[1] as number));
  return { rest, aad, label };
}

function pkcs7PadLength(n: number): number {
  return BLOCK_SIZE - (n % BLOCK_SIZE);
}

function cipherName(key: Uint8Array): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  switch (key.length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
    default:
      throw new CryptoError(`key size must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

// Importing a raw key costs more than a small packet's GCM; keyring keys are frozen copies,
// so caching their KeyObject by identity is safe.
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function keyObject(key: Uint8Array): KeyObject {
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = createSecretKey(key);
    keyObjects.set(key, k);
  }
  return k;
}

/** Writes `[vsn][nonce][ct‖tag]` for `plain` into `out` at `at` (memberlist `encryptPayload`). */
function encryptInto(
  out: Uint8Array,
  at: number,
  vsn: EncryptionVersionValue,
  key: Uint8Array,
  plain: Uint8Array,
  aad: Uint8Array,
): void {
  let src = plain;
  if (vsn === EncryptionVersion.padded) {
    const pad = pkcs7PadLength(plain.length);
    src = new Uint8Array(plain.length + pad);
    src.set(plain);
    src.fill(pad, plain.length);
  }
  out[at] = vsn;
  const nonce = out.subarray(at + VERSION_SIZE, at + VERSION_SIZE + NONCE_SIZE);
  randomFillSync(nonce);
  try {
    const cipher = createCipheriv(cipherName(key), keyObject(key), nonce, { authTagLength: TAG_SIZE });
    cipher.setAAD(aad);
    let o = at + VERSION_SIZE + NONCE_SIZE;
    const body = cipher.update(src);
    out.set(body, o);
    o += body.length;
    const tail = cipher.final();
    out.set(tail, o);
    o += tail.length;
    out.set(cipher.getAuthTag(), o);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError(`encryption failed: ${String(err)}`, { cause: err });
  }
}

/**
 * memberlist's `decryptPayload`: checks version and minimum length, then tries each key in
 * order; version 0 strips PKCS7 padding. Throws {@link CryptoError} when nothing decrypts.
 */
function decryptPayload(keys: readonly Uint8Array[], msg: Uint8Array, aad: Uint8Array): Uint8Array {
  if (msg.length === 0) throw new CryptoError("cannot decrypt an empty payload");
  const vsn = msg[0] as number;
  if (vsn > EncryptionVersion.unpadded) throw new CryptoError(`unsupported encryption version ${vsn}`);
  const min = encryptedLength(vsn as EncryptionVersionValue, 0);
  if (msg.length < min) throw new CryptoError(`payload of ${msg.length} bytes is too small to decrypt`);
  const nonce = msg.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  const ct = msg.subarray(VERSION_SIZE + NONCE_SIZE, msg.length - TAG_SIZE);
  const tag = msg.subarray(msg.length - TAG_SIZE);
  for (const key of keys) {
    const plain = tryDecrypt(key, nonce, ct, tag, aad);
    if (plain === undefined) continue;
    return vsn === EncryptionVersion.padded ? pkcs7Unpad(plain) : plain;
  }
  throw new CryptoError(`none of the ${keys.length} installed keys could decrypt the message`);
}

function tryDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ct: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Uint8Array | undefined {
  try {
    const decipher = createDecipheriv(cipherName(key), keyObject(key), nonce, { authTagLength: TAG_SIZE });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const body = decipher.update(ct);
    const tail = decipher.final(); // throws if the tag does not authenticate
    const out = new Uint8Array(body.length + tail.length);
    out.set(body);
    out.set(tail, body.length);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Removes PKCS7 padding. memberlist trusts the last byte blindly (and would panic on a bad
 * one); the ciphertext is authenticated, so a bad pad means a buggy or hostile key holder,
 * and we refuse it instead.
 */
function pkcs7Unpad(buf: Uint8Array): Uint8Array {
  const n = buf.length;
  const pad = n === 0 ? 0 : (buf[n - 1] as number);
  if (pad < 1 || pad > BLOCK_SIZE || pad > n) throw new CryptoError("invalid PKCS7 padding");
  return buf.subarray(0, n - pad);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
