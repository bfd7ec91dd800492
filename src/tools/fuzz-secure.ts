/**
 * Fuzzer for the encrypted and labelled layers: `node --import tsx src/tools/fuzz-secure.ts
 * --packets N [--seed S]`.
 *
 * Plugs into src/tools/fuzz.ts's {@link FuzzTarget} seam: valid packets and streams from
 * fuzz-inputs.ts are sealed (random key size, encryption version and label), mutated, then
 * opened and decoded all the way down. A crash is any error other than a {@link ShoalError}
 * (`CryptoError`, `DecodeError`, ...), or a valid sealed input that fails to open or decode.
 * A second pair of targets runs with `verifyIncoming: false`, so that mutated bytes which
 * no longer decrypt fall through to the plaintext decoders, as they do in memberlist while a
 * cluster migrates to encryption.
 */
import { pathToFileURL } from "node:url";
import { ShoalError } from "../errors.js";
import { Keyring } from "../swim/codec/keyring.js";
import { StreamFrameReader, openPacket, sealPacket, sealStream } from "../swim/codec/security.js";
import type { EncryptionVersionValue, OpenOptions } from "../swim/codec/security.js";
import { genPacket, genStream } from "./fuzz-inputs.js";
import type { FuzzRng } from "./fuzz-inputs.js";
import { packetTarget, runFuzz, streamTarget } from "./fuzz.js";
import type { FuzzTarget, FuzzTargetReport } from "./fuzz.js";

/** One key of each AES size; the receiving keyring holds all three and tries them in order. */
const KEYS = [16, 24, 32].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 29 + n) & 0xff));
const RECEIVER = Keyring.of(KEYS);
const LABELS = ["", "prod", "a".repeat(255)];

function sealOptions(rng: FuzzRng): {
  keyring: Keyring;
  label: string;
  encryptionVersion: EncryptionVersionValue;
} {
  const key = rng.pick(KEYS);
  return {
    keyring: Keyring.of([key]),
    label: rng.pick(LABELS),
    encryptionVersion: rng.chance(0.5) ? 0 : 1,
  };
}

/**
 * The receiver expects whatever printable label is on the wire, so that most inputs get past
 * the label check into decryption and decoding (mismatches are covered by unit tests and
 * still happen here whenever a mutation garbles the header).
 */
function openOptions(bytes: Uint8Array, verifyIncoming: boolean): OpenOptions {
  let label = "";
  if (bytes[0] === 244 && bytes.length >= 2 && bytes.length >= 2 + (bytes[1] as number)) {
    label = Buffer.from(bytes.subarray(2, 2 + (bytes[1] as number))).toString("latin1");
    if (!/^[\x20-\x7e]*$/.test(label)) label = "";
  }
  return { keyring: RECEIVER, label, verifyIncoming };
}

const isShoalError = (e: unknown): boolean => e instanceof ShoalError;

/** Sealed UDP packets through `openPacket`, then the whole plaintext packet decoder. */
export function securePacketTarget(verifyIncoming: boolean): FuzzTarget {
  return {
    name: verifyIncoming ? "sealed packets" : "sealed packets (verifyIncoming=false)",
    weight: 1,
    generate: (rng) => sealPacket(genPacket(rng), sealOptions(rng)),
    decode(bytes, rng) {
      packetTarget.decode(openPacket(bytes, openOptions(bytes, verifyIncoming)), rng);
    },
    isExpected: isShoalError,
  };
}

/** Sealed TCP streams through `StreamFrameReader` in random chunks, then the stream reader. */
export function secureStreamTarget(verifyIncoming: boolean): FuzzTarget {
  return {
    name: verifyIncoming ? "sealed streams" : "sealed streams (verifyIncoming=false)",
    weight: 0.1,
    generate: (rng) => sealStream(genStream(rng), sealOptions(rng)),
    decode(bytes, rng) {
      const reader = new StreamFrameReader(openOptions(bytes, verifyIncoming));
      const parts: Uint8Array[] = [];
      for (let pos = 0; pos < bytes.length;) {
        const n = 1 + rng.int(rng.chance(0.5) ? 16 : 4096);
        parts.push(reader.push(bytes.subarray(pos, pos + n)));
        pos += n;
      }
      streamTarget.decode(Buffer.concat(parts), rng);
    },
    isExpected: isShoalError,
  };
}

/** All four secure targets. */
export function secureTargets(): FuzzTarget[] {
  return [
    securePacketTarget(true),
    secureStreamTarget(true),
    securePacketTarget(false),
    secureStreamTarget(false),
  ];
}

/** Runs the secure targets; a thin wrapper over {@link runFuzz}. */
export function runSecureFuzz(packets: number, seed: number): FuzzTargetReport[] {
  return runFuzz(secureTargets(), packets, seed);
}

function parseArgs(argv: readonly string[]): { packets: number; seed: number } {
  let packets = 100_000;
  let seed = Math.floor(Math.random() * 0x1_0000_0000);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if ((a === "--packets" || a === "--seed") && v !== undefined && /^\d+$/.test(v)) {
      if (a === "--packets") packets = Number(v);
      else seed = Number(v) >>> 0;
      i++;
    } else {
      throw new Error(`usage: fuzz-secure [--packets N] [--seed S] (bad argument ${a ?? ""})`);
    }
  }
  return { packets, seed };
}

function main(): void {
  const { packets, seed } = parseArgs(process.argv.slice(2));
  console.log(`fuzz-secure: seed ${seed}, ${packets} packets`);
  let crashes = 0;
  for (const r of runSecureFuzz(packets, seed)) {
    const rate = Math.round(r.iterations / Math.max(r.elapsedMs / 1000, 1e-3));
    console.log(
      `${r.name}: ${r.iterations} inputs, ${r.rejected} rejected with a Shoal error, ${(r.elapsedMs / 1000).toFixed(1)} s, ${rate}/s`,
    );
    if (r.crash !== undefined) {
      crashes++;
      const e = r.crash.error;
      console.log(`CRASH in ${r.name} at iteration ${r.crash.iteration} (seed ${seed}):`);
      console.log(e instanceof Error ? (e.stack ?? e.message) : String(e));
      console.log(`reproducer (hex): ${Buffer.from(r.crash.input).toString("hex")}`);
    }
  }
  console.log(`crashes: ${crashes}`);
  process.exitCode = crashes > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
