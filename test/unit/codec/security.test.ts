import { createDecipheriv } from "node:crypto";
import type { CipherGCMTypes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CryptoError, DecodeError, EncodeError } from "../../../src/errors.js";
import {
  Keyring,
  decodeBase64,
  decodeKeyBase64,
  encodeBase64,
  encodeKeyBase64,
} from "../../../src/swim/codec/keyring.js";
import {
  ENCRYPTION_OVERHEAD,
  EncryptionVersion,
  LabelMismatchError,
  MAX_ENCRYPTION_OVERHEAD,
  StreamFrameReader,
  encryptedLength,
  openPacket,
  openStream,
  sealPacket,
  sealStream,
} from "../../../src/swim/codec/security.js";
import type { EncryptionVersionValue } from "../../../src/swim/codec/security.js";
import { b } from "./helpers.js";

const key16 = new Uint8Array(16).fill(0x11);
const key24 = new Uint8Array(24).fill(0x22);
const key32 = new Uint8Array(32).fill(0x33);
const versions: EncryptionVersionValue[] = [EncryptionVersion.padded, EncryptionVersion.unpadded];

/** Decrypts `[vsn][nonce][ct‖tag]` independently of the module under test. */
function nodeOpen(key: Uint8Array, body: Uint8Array, aad: Uint8Array): Uint8Array {
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, body.subarray(1, 13));
  d.setAAD(aad);
  d.setAuthTag(body.subarray(body.length - 16));
  return new Uint8Array(Buffer.concat([d.update(body.subarray(13, body.length - 16)), d.final()]));
}

describe("Keyring", () => {
  it("accepts only 16, 24 and 32-byte keys", () => {
    for (const k of [key16, key24, key32]) expect(Keyring.of([k]).primary).toEqual(k);
    for (const n of [0, 1, 15, 17, 31, 33, 64]) {
      expect(() => Keyring.of([new Uint8Array(n)])).toThrow(CryptoError);
      expect(() => Keyring.empty().install(new Uint8Array(n))).toThrow(CryptoError);
    }
  });

  it("installs after the primary, promotes with use, and lists primary first", () => {
    let ring = Keyring.empty();
    expect(ring.enabled).toBe(false);
    ring = ring.install(key16);
    expect(ring.primary).toEqual(key16);
    ring = ring.install(key24).install(key32).install(key24);
    expect(ring.keys).toEqual([key16, key24, key32]);
    const used = ring.use(key32);
    expect(used.keys).toEqual([key32, key16, key24]);
    expect(ring.keys).toEqual([key16, key24, key32]); // immutable
    expect(used.list()).toEqual([encodeBase64(key32), encodeBase64(key16), encodeBase64(key24)]);
    expect(() => ring.use(new Uint8Array(16))).toThrow(/not in the keyring/);
  });

  it("refuses to remove the primary but removes others", () => {
    const ring = Keyring.of([key16, key24]);
    expect(() => ring.remove(key16)).toThrow(CryptoError);
    expect(() => ring.remove(key16)).toThrow(/primary/);
    expect(ring.remove(key24).keys).toEqual([key16]);
    expect(ring.remove(key32)).toBe(ring);
  });

  it("builds like NewKeyring: explicit primary first, duplicates dropped, copies kept", () => {
    const k = key24.slice();
    const ring = Keyring.of([key16, k, key16], k);
    expect(ring.keys).toEqual([key24, key16]);
    k[0] = 0;
    expect(ring.primary![0]).toBe(0x22);
  });

  it("round-trips base64 keys strictly", () => {
    const text = "Leoshlw/3AhRL0wAikh3XzC+8QV0yuzdbRTpUcAgxfo=";
    expect(encodeKeyBase64(decodeKeyBase64(text))).toBe(text);
    expect(Keyring.fromBase64([text]).list()).toEqual([text]);
    for (const n of [0, 1, 2, 3, 4, 5, 16, 24, 32]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 53 + 7) & 0xff);
      expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
    }
    for (const bad of ["abc", "ab=c", "a===", "@@@@", "QQ=A", "QR=="]) {
      expect(() => decodeBase64(bad)).toThrow(CryptoError);
    }
    expect(() => decodeKeyBase64(encodeBase64(new Uint8Array(20)))).toThrow(/16, 24 or 32/);
  });
});

describe("packet sealing", () => {
  const plain = b("\x00hello memberlist");

  it("exports memberlist's overheads", () => {
    expect(ENCRYPTION_OVERHEAD).toBe(29);
    expect(MAX_ENCRYPTION_OVERHEAD).toBe(45);
    expect(encryptedLength(1, 100)).toBe(129);
    expect(encryptedLength(0, 100)).toBe(100 + 12 + 29); // padded to 112
    expect(encryptedLength(0, 96)).toBe(96 + 16 + 29); // a full block of padding
  });

  for (const key of [key16, key24, key32]) {
    for (const vsn of versions) {
      it(`round-trips with a ${key.length}-byte key, version ${vsn}`, () => {
        const ring = Keyring.of([key]);
        const sealed = sealPacket(plain, { keyring: ring, encryptionVersion: vsn });
        expect(sealed[0]).toBe(vsn);
        expect(sealed.length).toBe(encryptedLength(vsn, plain.length));
        expect(openPacket(sealed, { keyring: ring })).toEqual(plain);
        // Independent AES-GCM check of the layout (version 0 keeps its PKCS7 padding here).
        const inner = nodeOpen(key, sealed, new Uint8Array(0));
        expect(inner.subarray(0, plain.length)).toEqual(plain);
        if (vsn === 0) expect(inner.length % 16).toBe(0);
      });
    }
  }

  it("uses a fresh nonce every time", () => {
    const ring = Keyring.of([key16]);
    const a = sealPacket(plain, { keyring: ring });
    const c = sealPacket(plain, { keyring: ring });
    expect(Buffer.from(a.subarray(1, 13)).equals(Buffer.from(c.subarray(1, 13)))).toBe(false);
  });

  it("tries every key in order; the primary encrypts", () => {
    const sender = Keyring.of([key24]);
    const receiver = Keyring.of([key16, key32, key24]);
    expect(openPacket(sealPacket(plain, { keyring: sender }), { keyring: receiver })).toEqual(plain);
    const sealed = sealPacket(plain, { keyring: receiver });
    expect(nodeOpen(key16, sealed, new Uint8Array(0))).toEqual(plain);
  });

  it("fails with CryptoError for the wrong key, a bad version, or a short payload", () => {
    const sealed = sealPacket(plain, { keyring: Keyring.of([key16]) });
    const wrong = Keyring.of([key32]);
    expect(() => openPacket(sealed, { keyring: wrong })).toThrow(CryptoError);
    const v2 = sealed.slice();
    v2[0] = 2;
    expect(() => openPacket(v2, { keyring: Keyring.of([key16]) })).toThrow(
      /unsupported encryption version 2/,
    );
    expect(() => openPacket(sealed.subarray(0, 28), { keyring: Keyring.of([key16]) })).toThrow(/too small/);
    expect(() => openPacket(new Uint8Array(0), { keyring: Keyring.of([key16]) })).toThrow(CryptoError);
    const tampered = sealed.slice();
    tampered[20]! ^= 1;
    expect(() => openPacket(tampered, { keyring: Keyring.of([key16]) })).toThrow(CryptoError);
  });

  it("does not authenticate the version byte (memberlist's format): toggling it only changes unpadding", () => {
    const ring = Keyring.of([key16]);
    const v0 = sealPacket(plain, { keyring: ring, encryptionVersion: 0 });
    v0[0] = 1;
    const padded = openPacket(v0, { keyring: ring });
    expect(padded.subarray(0, plain.length)).toEqual(plain);
    expect(padded.length).toBe(plain.length + (16 - (plain.length % 16)));
    const v1 = sealPacket(b(plain, 0x20), { keyring: ring, encryptionVersion: 1 });
    v1[0] = 0;
    // 0x20 is not a valid PKCS7 pad byte, so this one is refused.
    expect(() => openPacket(v1, { keyring: ring })).toThrow(/PKCS7/);
  });

  it("with verifyIncoming=false, takes what does not decrypt as plaintext", () => {
    const ring = Keyring.of([key16]);
    expect(openPacket(plain, { keyring: ring, verifyIncoming: false })).toEqual(plain);
    expect(() => openPacket(plain, { keyring: ring })).toThrow(CryptoError);
    // Encrypted packets still decrypt.
    expect(
      openPacket(sealPacket(plain, { keyring: ring }), { keyring: ring, verifyIncoming: false }),
    ).toEqual(plain);
  });

  it("passes plaintext through when no keys are installed", () => {
    expect(sealPacket(plain, {})).toEqual(plain);
    expect(openPacket(plain, { keyring: Keyring.empty() })).toEqual(plain);
  });

  it("authenticates the label as AAD and strips it", () => {
    const ring = Keyring.of([key32]);
    const sealed = sealPacket(plain, { keyring: ring, label: "prod" });
    expect(Array.from(sealed.subarray(0, 6))).toEqual([244, 4, 0x70, 0x72, 0x6f, 0x64]);
    expect(nodeOpen(key32, sealed.subarray(6), b("prod"))).toEqual(plain);
    expect(openPacket(sealed, { keyring: ring, label: "prod" })).toEqual(plain);
    // A different label on the wire is refused before decryption.
    expect(() => openPacket(sealed, { keyring: ring, label: "test" })).toThrow(LabelMismatchError);
    expect(() => openPacket(sealed, { keyring: ring })).toThrow(LabelMismatchError);
    // Swapping the header for another label of the same length breaks authentication.
    const swapped = sealed.slice();
    swapped.set(b("test"), 2);
    expect(() => openPacket(swapped, { keyring: ring, label: "test" })).toThrow(CryptoError);
    // Stripping the header entirely is a mismatch too.
    expect(() => openPacket(sealed.subarray(6), { keyring: ring, label: "prod" })).toThrow(
      LabelMismatchError,
    );
  });

  it("skipLabelCheck: no header expected, configured label still authenticated", () => {
    const ring = Keyring.of([key16]);
    const sealed = sealPacket(plain, { keyring: ring, label: "prod" });
    expect(openPacket(sealed.subarray(6), { keyring: ring, label: "prod", skipLabelCheck: true })).toEqual(
      plain,
    );
    expect(() => openPacket(sealed, { keyring: ring, label: "prod", skipLabelCheck: true })).toThrow(
      /double label/,
    );
    expect(() => openPacket(sealed.subarray(6), { keyring: ring, label: "x", skipLabelCheck: true })).toThrow(
      CryptoError,
    );
  });

  it("labels plaintext packets and checks them", () => {
    const out = sealPacket(plain, { label: "a" });
    expect(Array.from(out.subarray(0, 3))).toEqual([244, 1, 0x61]);
    expect(openPacket(out, { label: "a" })).toEqual(plain);
    expect(() => openPacket(out, { label: "b" })).toThrow(DecodeError);
    expect(() => openPacket(b(244), { label: "a" })).toThrow(DecodeError);
    expect(() => openPacket(b(244, 0, 1), {})).toThrow(DecodeError);
  });

  it("refuses labels over 255 bytes", () => {
    expect(() => sealPacket(plain, { label: "x".repeat(256) })).toThrow(EncodeError);
    expect(() => sealStream(plain, { label: "é".repeat(128) })).toThrow(EncodeError);
    expect(sealPacket(plain, { label: "x".repeat(255) })[1]).toBe(255);
  });
});

describe("stream framing", () => {
  const message = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff);

  it("frames as [10][u32 BE len][vsn][nonce][ct‖tag] with AAD [10][len] ‖ label", () => {
    const ring = Keyring.of([key16]);
    const out = sealStream(message, { keyring: ring, label: "lbl" });
    expect(Array.from(out.subarray(0, 5))).toEqual([244, 3, 0x6c, 0x62, 0x6c]);
    const frame = out.subarray(5);
    expect(frame[0]).toBe(10);
    const len = Buffer.from(frame).readUInt32BE(1);
    expect(len).toBe(encryptedLength(1, message.length));
    expect(frame.length).toBe(5 + len);
    const aad = b(frame.subarray(0, 5), "lbl");
    expect(nodeOpen(key16, frame.subarray(5), aad)).toEqual(message);
  });

  for (const vsn of versions) {
    for (const key of [key16, key24, key32]) {
      it(`reads an encrypted stream (v${vsn}, ${key.length}-byte key) fed in random chunk sizes`, () => {
        const ring = Keyring.of([key]);
        const bytes = sealStream(message, { keyring: ring, label: "c", encryptionVersion: vsn });
        let seed = key.length * 7 + vsn;
        for (let round = 0; round < 20; round++) {
          const reader = new StreamFrameReader({ keyring: ring, label: "c" });
          const got: Uint8Array[] = [];
          for (let i = 0; i < bytes.length;) {
            seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
            const n = 1 + ((seed >>> 16) % (round < 10 ? 8 : 700));
            got.push(reader.push(bytes.subarray(i, i + n)));
            i += n;
          }
          expect(reader.done).toBe(true);
          expect(reader.encrypted).toBe(true);
          expect(reader.label).toBe("c");
          expect(Buffer.concat(got)).toEqual(Buffer.from(message));
        }
      });
    }
  }

  it("passes plaintext streams through after the label, byte for byte", () => {
    const bytes = sealStream(message, { label: "p" });
    expect(bytes.length).toBe(message.length + 3);
    const reader = new StreamFrameReader({ label: "p" });
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 1 + (i % 5))
      parts.push(reader.push(bytes.subarray(i, i + 1 + (i % 5))));
    expect(reader.encrypted).toBe(false);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(message));
  });

  it("refuses plaintext when encryption is on, unless verifyIncoming is false", () => {
    const ring = Keyring.of([key16]);
    expect(() => new StreamFrameReader({ keyring: ring }).push(message)).toThrow(/not encrypted/);
    expect(new StreamFrameReader({ keyring: ring, verifyIncoming: false }).push(message)).toEqual(message);
  });

  it("refuses an encrypted stream without keys, a wrong key, a wrong label, or an oversized frame", () => {
    const ring = Keyring.of([key16]);
    const bytes = sealStream(message, { keyring: ring });
    expect(() => new StreamFrameReader({}).push(bytes)).toThrow(/encryption is not configured/);
    expect(() => new StreamFrameReader({ keyring: Keyring.of([key24]) }).push(bytes)).toThrow(CryptoError);
    // The label is authenticated: a stream sealed without one does not open under a skipped check with one.
    expect(() =>
      new StreamFrameReader({ keyring: ring, label: "x", skipLabelCheck: true }).push(bytes),
    ).toThrow(CryptoError);
    expect(() => new StreamFrameReader({ keyring: ring, label: "x" }).push(bytes)).toThrow(
      LabelMismatchError,
    );
    expect(() => new StreamFrameReader({ keyring: ring, maxStreamBytes: 100 }).push(bytes)).toThrow(
      /exceeds/,
    );
    // Tampering with the length header breaks authentication (it is part of the AAD).
    const longer = sealStream(message, { keyring: ring });
    longer[4]! += 1;
    const reader = new StreamFrameReader({ keyring: ring });
    expect(reader.push(longer)).toHaveLength(0); // waiting for one more byte
    expect(() => reader.push(b(0))).toThrow(CryptoError);
    expect(() => reader.push(b(0))).toThrow(/already failed/);
  });

  it("openStream handles a whole buffer and rejects a cut-off frame", () => {
    const ring = Keyring.of([key32]);
    const bytes = sealStream(message, { keyring: ring });
    expect(openStream(bytes, { keyring: ring })).toEqual(message);
    expect(() => openStream(bytes.subarray(0, bytes.length - 1), { keyring: ring })).toThrow(DecodeError);
    expect(openStream(message, {})).toEqual(message);
    expect(() => openStream(new Uint8Array(0), {})).toThrow(DecodeError);
  });

  it("does not keep a reference to the caller's chunk buffer", () => {
    const ring = Keyring.of([key16]);
    const bytes = sealStream(message, { keyring: ring });
    const reader = new StreamFrameReader({ keyring: ring });
    const chunk = bytes.slice(0, 100);
    reader.push(chunk);
    chunk.fill(0);
    expect(reader.push(bytes.subarray(100))).toEqual(message);
  });
});
