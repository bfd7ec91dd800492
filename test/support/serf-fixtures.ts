/** Loads the Serf wire captures in test/fixtures/serf (written by scripts/capture-serf.ts). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compressStruct } from "../../src/swim/codec/memberlist-messages.js";
import { MsgpackReader } from "../../src/swim/codec/msgpack-reader.js";
import { MessageType } from "../../src/swim/codec/types.js";

/** Directory of the captures. */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "serf");

/** One index entry. */
export interface SerfFixture {
  readonly file: string;
  readonly description: string;
  readonly transport: "udp" | "tcp";
  readonly key: string | null;
  readonly layers: readonly string[];
  readonly expect: Record<string, unknown>;
}

/** The whole index. */
export interface SerfFixtureIndex {
  readonly serfVersion: string;
  readonly agent: { readonly name: string; readonly tags: Record<string, string> };
  readonly standin: { readonly name: string; readonly tags: Record<string, string> };
  readonly scenarios: Record<
    string,
    { readonly agentPort: number; readonly standinPort: number; readonly key: string | null }
  >;
  readonly fixtures: readonly SerfFixture[];
}

/** Parses index.json. */
export function loadIndex(): SerfFixtureIndex {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, "index.json"), "utf8")) as SerfFixtureIndex;
}

/** The raw bytes of one capture. */
export function loadBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURE_DIR, file)));
}

/**
 * The LZW `Buf` of a plaintext memberlist message that is (after an optional hasCrc header)
 * a `compress` message, or undefined if it is not compressed.
 */
export function compressedBuf(plain: Uint8Array): Uint8Array | undefined {
  const at = plain[0] === MessageType.hasCrc ? 5 : 0;
  if (plain[at] !== MessageType.compress) return undefined;
  return compressStruct.decode(new MsgpackReader(plain, at + 1)).buf;
}
