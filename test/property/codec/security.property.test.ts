import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShoalError } from "../../../src/errors.js";
import { Keyring } from "../../../src/swim/codec/keyring.js";
import { lzwCompress, lzwDecompress } from "../../../src/swim/codec/lzw.js";
import { StreamFrameReader, openPacket, sealPacket, sealStream } from "../../../src/swim/codec/security.js";
import type { EncryptionVersionValue } from "../../../src/swim/codec/security.js";

const keyArb = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
const versionArb = fc.constantFrom<EncryptionVersionValue>(0, 1);
const labelArb = fc.oneof(fc.constant(""), fc.string({ minLength: 1, maxLength: 40 }));
const plainArb = fc.uint8Array({ maxLength: 600 });

/** A mutation: flip bits, overwrite, truncate or extend at arbitrary positions. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Applies a mutation; returns undefined when it would not change the bytes, or when it would
 * only change the encryption-version byte at `vsnAt`. memberlist does not authenticate that
 * byte (it is neither AAD nor ciphertext), so toggling it between 0 and 1 can decrypt with
 * PKCS7 padding kept or stripped; security.test.ts pins that wire-compatible behaviour.
 */
function mutate(bytes: Uint8Array, m: Mutation, vsnAt = -1): Uint8Array | undefined {
  if (m.kind === "append") return Uint8Array.from([...bytes, ...m.extra]);
  if (bytes.length === 0) return undefined;
  const at = m.at % bytes.length;
  if (m.kind === "truncate") return bytes.slice(0, at);
  if (at === vsnAt) return undefined;
  const out = bytes.slice();
  out[at] = m.kind === "flip" ? out[at]! ^ (1 << m.bit) : m.value;
  return out[at] === bytes[at] ? undefined : out;
}

function labelHeader(label: string): number {
  return label === "" ? 0 : 2 + Buffer.byteLength(label);
}

function onlyShoalErrors(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ShoalError);
    return err;
  }
}

describe("security properties", () => {
  it("open(seal(p)) = p for packets, every key size, version and label", () => {
    fc.assert(
      fc.property(keyArb, versionArb, labelArb, plainArb, (key, vsn, label, plain) => {
        const keyring = Keyring.of([key]);
        const sealed = sealPacket(plain, { keyring, label, encryptionVersion: vsn });
        expect(openPacket(sealed, { keyring, label })).toEqual(plain);
      }),
      { numRuns: 200 },
    );
  });

  it("a mutated encrypted packet never opens and only throws Shoal errors", () => {
    fc.assert(
      fc.property(keyArb, versionArb, labelArb, plainArb, mutationArb, (key, vsn, label, plain, m) => {
        const keyring = Keyring.of([key]);
        const mutated = mutate(
          sealPacket(plain, { keyring, label, encryptionVersion: vsn }),
          m,
          labelHeader(label),
        );
        if (mutated === undefined) return;
        const result = onlyShoalErrors(() => openPacket(mutated, { keyring, label }));
        // Authenticated encryption: no mutation of header, nonce, ciphertext or tag decrypts.
        expect(result).toBeInstanceOf(ShoalError);
      }),
      { numRuns: 300 },
    );
  });

  it("streams in any chunking open to the sealed message; mutated streams only throw Shoal errors", () => {
    fc.assert(
      fc.property(
        keyArb,
        versionArb,
        labelArb,
        // A stream always carries a message, so at least its type byte.
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        fc.option(mutationArb, { nil: undefined }),
        (key, vsn, label, plain, sizes, m) => {
          const keyring = Keyring.of([key]);
          const sealed = sealStream(plain, { keyring, label, encryptionVersion: vsn });
          const bytes = m === undefined ? sealed : mutate(sealed, m, labelHeader(label) + 5);
          if (bytes === undefined) return;
          const reader = new StreamFrameReader({ keyring, label });
          const out: Uint8Array[] = [];
          const result = onlyShoalErrors(() => {
            for (let i = 0, k = 0; i < bytes.length; k++) {
              const n = sizes[k % sizes.length]!;
              out.push(reader.push(bytes.subarray(i, i + n)));
              i += n;
            }
          });
          if (m === undefined) {
            expect(result).toBeUndefined();
            expect(Buffer.concat(out)).toEqual(Buffer.from(plain));
          } else if (result === undefined) {
            // A mutation may only go unnoticed if it left the frame incomplete (truncation)
            // or added bytes after it; it must never yield different plaintext.
            const got = Buffer.concat(out);
            expect(got.length === 0 || got.equals(Buffer.from(plain))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("lzw round-trips arbitrary bytes and garbage never throws a non-Shoal error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (input) => {
        expect(lzwDecompress(lzwCompress(input), input.length)).toEqual(input);
        onlyShoalErrors(() => lzwDecompress(input, 10_000));
      }),
      { numRuns: 200 },
    );
  });
});
