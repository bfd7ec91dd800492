/**
 * Codec and live-agent fuzzer: `npm run fuzz -- --packets N [--seed S] [--codec-only | --live-only]`
 * (N defaults to 1,000,000).
 *
 * Codec phase: generates valid packets and streams, mutates them, and feeds them to the
 * decoders. A crash is any exception other than the decoder's `DecodeError`, or a valid
 * (unmutated) input that fails to decode. Streams get 1/10 as many iterations as packets.
 * Stops at the first crash with the seed and a hex reproducer.
 *
 * Live phase (fuzz-live.ts): N mutated packets and N/10 mutated streams over loopback UDP and
 * TCP into a real agent; crashes are uncaught exceptions, unhandled rejections, errors caught
 * at the runtime's I/O boundary, or an agent that stops answering. Exits 1 if either phase
 * found a crash.
 *
 * Extension seam: a {@link FuzzTarget} is a generator plus a `decode(bytes)` callback, so
 * encrypted layers can be fuzzed by wrapping `genPacket` / `decodePacket` in a new target and
 * passing it to {@link runFuzz}.
 */
import { pathToFileURL } from "node:url";
import { DecodeError } from "../errors.js";
import { decodePacket } from "../swim/codec/packet.js";
import {
  decodeConflictResponse,
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyResponse,
  decodeSerfMessage,
} from "../swim/codec/serf-messages.js";
import { StreamMessageReader } from "../swim/codec/stream.js";
import { decodeTags } from "../swim/codec/tags.js";
import { formatLiveReport, liveCrashes, runLiveFuzz } from "./fuzz-live.js";
import type { PacketMessage } from "../swim/codec/types.js";
import { FuzzRng, genPacket, genStream, mutate } from "./fuzz-inputs.js";

/** One decoder under test. */
export interface FuzzTarget {
  /** Shown in the report. */
  readonly name: string;
  /** Share of `--packets` iterations this target gets (packets 1, streams 0.1). */
  readonly weight: number;
  /** Produces one valid input. */
  generate(rng: FuzzRng): Uint8Array;
  /** Decodes `bytes` completely; may throw only errors `isExpected` accepts. */
  decode(bytes: Uint8Array, rng: FuzzRng): void;
  /** Errors that are a correct rejection (default: `DecodeError`). */
  readonly isExpected?: (err: unknown) => boolean;
}

/** Outcome of one target's run. */
export interface FuzzTargetReport {
  readonly name: string;
  readonly iterations: number;
  readonly rejected: number;
  readonly elapsedMs: number;
  readonly crash?: {
    readonly iteration: number;
    readonly error: unknown;
    readonly input: Uint8Array;
    readonly mutated: boolean;
  };
}

/** Looks inside what a decoded packet carries, as the core would: Serf payloads, tags, coordinates. */
function decodeNested(messages: readonly PacketMessage[]): void {
  for (const m of messages) {
    if (m.kind === "user") {
      const serf = decodeSerfMessage(m.payload);
      if (serf.kind === "query") {
        for (const f of serf.filters) decodeFilter(f);
        if (serf.payload[0] === 8) decodeKeyResponse(serf.payload);
      } else if (serf.kind === "queryResponse" && serf.payload[0] === 6) {
        decodeConflictResponse(serf.payload);
      } else if (serf.kind === "relay") {
        decodeSerfMessage(serf.inner);
      }
    } else if (m.kind === "alive") {
      decodeTags(m.meta);
    } else if (m.kind === "ackResp" && m.payload !== null && m.payload[0] === 1) {
      decodeCoordinatePayload(m.payload);
    }
  }
}

/** Plaintext UDP packets through `decodePacket` and the Serf decoders. */
export const packetTarget: FuzzTarget = {
  name: "packets",
  weight: 1,
  generate: genPacket,
  decode(bytes) {
    decodeNested(decodePacket(bytes));
  },
};

/** Plaintext TCP streams through the incremental reader, fed in random chunk sizes. */
export const streamTarget: FuzzTarget = {
  name: "streams",
  weight: 0.1,
  generate: genStream,
  decode(bytes, rng) {
    const reader = new StreamMessageReader();
    let pos = 0;
    let msg;
    while (pos < bytes.length && msg === undefined) {
      const n = 1 + rng.int(rng.chance(0.5) ? 16 : 4096);
      msg = reader.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    if (msg === undefined) throw new DecodeError("stream incomplete");
    if (msg.kind === "user" || (msg.kind === "pushPull" && msg.userState.length > 0)) {
      decodeSerfMessage(msg.kind === "user" ? msg.payload : msg.userState);
    }
  },
};

/** How many valid inputs are generated up front and then mutated (generation is the slow part). */
const CORPUS_SIZE = 2048;

/** Fuzzes one target for `iterations` inputs derived from `seed`. */
export function fuzzTarget(target: FuzzTarget, iterations: number, seed: number): FuzzTargetReport {
  const rng = new FuzzRng(seed);
  const isExpected = target.isExpected ?? ((e: unknown) => e instanceof DecodeError);
  const corpus: Uint8Array[] = [];
  const start = performance.now();
  for (let i = 0; i < Math.min(CORPUS_SIZE, iterations); i++) corpus.push(target.generate(rng));
  let rejected = 0;
  for (let i = 0; i < iterations; i++) {
    const base = corpus[i % corpus.length] as Uint8Array;
    const { bytes, mutated } = mutate(rng, base, rng.pick(corpus));
    try {
      target.decode(bytes, rng);
    } catch (error) {
      if (mutated && isExpected(error)) {
        rejected++;
        continue;
      }
      return {
        name: target.name,
        iterations: i + 1,
        rejected,
        elapsedMs: performance.now() - start,
        crash: { iteration: i, error, input: bytes, mutated },
      };
    }
  }
  return { name: target.name, iterations, rejected, elapsedMs: performance.now() - start };
}

/** Runs every target with its share of `packets` iterations; returns the reports. */
export function runFuzz(targets: readonly FuzzTarget[], packets: number, seed: number): FuzzTargetReport[] {
  const reports: FuzzTargetReport[] = [];
  for (const [i, t] of targets.entries()) {
    const report = fuzzTarget(t, Math.max(1, Math.round(packets * t.weight)), (seed + i * 0x9e3779b9) >>> 0);
    reports.push(report);
    if (report.crash !== undefined) break;
  }
  return reports;
}

interface FuzzArgs {
  readonly packets: number;
  readonly seed: number;
  readonly codec: boolean;
  readonly live: boolean;
}

function parseArgs(argv: readonly string[]): FuzzArgs {
  let packets = 1_000_000;
  let seed = Math.floor(Math.random() * 0x1_0000_0000);
  let codec = true;
  let live = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--codec-only") live = false;
    else if (a === "--live-only") codec = false;
    else if ((a === "--packets" || a === "--seed") && v !== undefined && /^\d+$/.test(v)) {
      if (a === "--packets") packets = Number(v);
      else seed = Number(v) >>> 0;
      i++;
    } else {
      throw new Error(
        `usage: fuzz [--packets N] [--seed S] [--codec-only | --live-only] (bad argument ${a ?? ""})`,
      );
    }
  }
  if (!codec && !live) throw new Error("fuzz: --codec-only and --live-only exclude each other");
  return { packets, seed, codec, live };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

async function main(): Promise<void> {
  const { packets, seed, codec, live } = parseArgs(process.argv.slice(2));
  console.log(`fuzz: seed ${seed}, ${packets} packets`);
  let crashes = 0;
  if (codec) crashes += codecPhase(packets, seed);
  if (live) {
    const report = await runLiveFuzz({ packets, seed, onProgress: (line) => console.log(`  ${line}`) });
    for (const line of formatLiveReport(report)) console.log(line);
    crashes += liveCrashes(report);
  }
  console.log(`crashes: ${crashes}`);
  process.exitCode = crashes > 0 ? 1 : 0;
}

function codecPhase(packets: number, seed: number): number {
  const reports = runFuzz([packetTarget, streamTarget], packets, seed);
  let crashes = 0;
  for (const r of reports) {
    const rate = Math.round(r.iterations / (r.elapsedMs / 1000));
    console.log(
      `${r.name}: ${r.iterations} inputs, ${r.rejected} rejected with DecodeError, ${(r.elapsedMs / 1000).toFixed(1)} s, ${rate}/s`,
    );
    if (r.crash !== undefined) {
      crashes++;
      const e = r.crash.error;
      console.log(
        `CRASH in ${r.name} at iteration ${r.crash.iteration} (seed ${seed}, ${r.crash.mutated ? "mutated" : "valid"} input):`,
      );
      console.log(e instanceof Error ? (e.stack ?? e.message) : String(e));
      console.log(`reproducer (hex): ${hex(r.crash.input)}`);
    }
  }
  return crashes;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
