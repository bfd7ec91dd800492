/**
 * The live half of `npm run fuzz`: mutated packets and push/pull streams (a tenth as many) go
 * over real loopback UDP and TCP into a real in-process {@link Agent}, through its runtime's
 * framing, the core's decoder and dispatcher and the catalog extension. A second agent, the
 * witness, stays joined to it throughout.
 *
 * Counted as crashes: uncaught exceptions, unhandled rejections, exceptions the runtime caught
 * at an I/O boundary (`internal_errors`), and a target that no longer answers or that the
 * witness no longer sees alive at the end. Memory is sampled during the run; the report gives
 * RSS before, at its peak and after.
 *
 * The agents are confined (fuzz-loopback.ts) so that members invented by mutated gossip are
 * never contacted: nothing leaves the allow-listed loopback ports.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect } from "node:net";
import { loadAgentConfig } from "../agent/config/load.js";
import { Agent } from "../agent/daemon/agent.js";
import { createLogger } from "../agent/logging/logger.js";
import type { Address } from "../swim/core/api.js";
import { bindNetTransports } from "../swim/runtime/net-transports.js";
import type { TransportBinder } from "../swim/runtime/transport.js";
import { FuzzRng, genPacket, genStream, mutate } from "./fuzz-inputs.js";
import { confinedBinder, type ConfinedCounters } from "./fuzz-loopback.js";
import { genShoalPushPull } from "./fuzz-push-pull.js";

/** Options of {@link runLiveFuzz}. */
export interface LiveFuzzOptions {
  /** Mutated UDP packets to send; streams are a tenth of this (at least 1). */
  readonly packets: number;
  readonly seed: number;
  /** Inbound streams in flight at once (default 96; the runtime accepts 128). */
  readonly streamConcurrency?: number;
  /** Called about once a second with a progress line. */
  readonly onProgress?: (line: string) => void;
}

/** What {@link runLiveFuzz} measured. */
export interface LiveFuzzReport {
  readonly packetsSent: number;
  /** Datagrams the target's socket delivered (loopback may drop a few under load). */
  readonly packetsDelivered: number;
  readonly streamsSent: number;
  /** Streams that failed client-side (reset, timeout): expected for junk, counted for the record. */
  readonly streamsReset: number;
  /** The target's drop counters (`dropped_packet_decode`, ...), as its `/v1/agent/self` reports them. */
  readonly drops: Readonly<Record<string, number>>;
  readonly uncaughtExceptions: number;
  readonly unhandledRejections: number;
  readonly internalErrors: number;
  /** 0 when the target still answers and the witness sees it alive. */
  readonly livenessFailures: number;
  /** Sends and dials to invented members that the confinement refused. */
  readonly refused: ConfinedCounters;
  /** Members the target knows at the end (invented ones included). */
  readonly membersAtEnd: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly rssAfterMb: number;
  /** Time spent sending packets, then streams, then in all. */
  readonly packetsMs: number;
  readonly streamsMs: number;
  readonly elapsedMs: number;
}

/** Total of everything that counts as a crash. */
export function liveCrashes(r: LiveFuzzReport): number {
  return r.uncaughtExceptions + r.unhandledRejections + r.internalErrors + r.livenessFailures;
}

const CORPUS_SIZE = 2048;
/** Largest datagram loopback UDP carries (65,535 minus IP and UDP headers). */
const MAX_DATAGRAM = 65_507;
/** Datagrams sent before yielding to the event loop, so the receiver keeps up. */
const BATCH = 64;
const STREAM_CLIENT_TIMEOUT_MS = 3_000;
/** Source addresses for streams: each has its own ephemeral port range (no port exhaustion). */
const SOURCE_HOSTS = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Harness {
  readonly target: Agent;
  readonly witness: Agent;
  readonly targetAddress: Address;
  readonly refused: ConfinedCounters;
  delivered(): number;
  readonly sender: UdpSocket;
}

async function startAgent(name: string, transports: TransportBinder): Promise<Agent> {
  const config = loadAgentConfig(
    ["--node", name, "--bind", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--profile", "local"],
    // Members invented by mutated gossip fail (nobody answers for them) and are then forgotten
    // after this, so memory measures leaks rather than a legitimately growing member list.
    { SHOAL_RECONNECT_TIMEOUT: "10s", SHOAL_TOMBSTONE_TIMEOUT: "10s" },
  );
  const silent = createLogger({ level: "error", destination: { write: () => undefined } });
  return Agent.start(config, silent, { transports });
}

function gossipAddress(agent: Agent): Address {
  const self = agent.self();
  return { host: self.member.addr, port: self.member.port };
}

async function startHarness(): Promise<Harness> {
  const sender = createSocket("udp4");
  await new Promise<void>((resolve) => sender.bind(0, "127.0.0.1", () => resolve()));
  const allowedPorts = new Set<number>([sender.address().port]);
  const allow = (to: Address): boolean => to.host.startsWith("127.") && allowedPorts.has(to.port);
  const refused: ConfinedCounters = { packetsRefused: 0, dialsRefused: 0 };
  let delivered = 0;
  // Counts what the target's socket delivers, before the runtime sees it.
  const counting: TransportBinder = async (bind) => {
    const bound = await bindNetTransports(bind);
    const packet = bound.packet;
    return {
      ...bound,
      packet: {
        local: packet.local,
        send: (to, bytes) => packet.send(to, bytes),
        onPacket: (handler) =>
          packet.onPacket((from, bytes) => {
            delivered++;
            handler(from, bytes);
          }),
        onSendError: (handler) => packet.onSendError(handler),
        close: () => packet.close(),
      },
    };
  };
  const target = await startAgent("fuzz-target", confinedBinder(counting, allow, refused));
  const witness = await startAgent("fuzz-witness", confinedBinder(bindNetTransports, allow, refused));
  const targetAddress = gossipAddress(target);
  allowedPorts.add(targetAddress.port);
  allowedPorts.add(gossipAddress(witness).port);
  await witness.join([`127.0.0.1:${targetAddress.port}`], false);
  return { target, witness, targetAddress, refused, delivered: () => delivered, sender };
}

function corpus(rng: FuzzRng, generate: (rng: FuzzRng) => Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (out.length < CORPUS_SIZE) {
    const bytes = generate(rng);
    if (bytes.length <= MAX_DATAGRAM) out.push(bytes);
  }
  return out;
}

async function sendPackets(
  h: Harness,
  rng: FuzzRng,
  count: number,
  progress: (sent: number) => void,
): Promise<number> {
  const inputs = corpus(rng, genPacket);
  let sent = 0;
  while (sent < count) {
    const n = Math.min(BATCH, count - sent);
    for (let i = 0; i < n; i++) {
      const base = inputs[(sent + i) % inputs.length] as Uint8Array;
      const { bytes } = mutate(rng, base, rng.pick(inputs));
      h.sender.send(
        bytes.length <= MAX_DATAGRAM ? bytes : bytes.subarray(0, MAX_DATAGRAM),
        h.targetAddress.port,
        "127.0.0.1",
      );
    }
    sent += n;
    // Yield until the target has read most of what was sent: a sender that outruns the
    // receiver only fills the socket buffer and measures the kernel's drops, not the agent.
    const deadline = performance.now() + 50;
    do await tick();
    while (sent - h.delivered() > 4 * BATCH && performance.now() < deadline);
    progress(sent);
  }
  return sent;
}

function sendStream(to: Address, bytes: Uint8Array, source: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: to.host, port: to.port, localAddress: source });
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), STREAM_CLIENT_TIMEOUT_MS);
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(true));
    socket.on("data", () => undefined); // drain the agent's answer
    socket.on("connect", () => socket.end(bytes));
  });
}

async function sendStreams(
  h: Harness,
  rng: FuzzRng,
  count: number,
  concurrency: number,
  progress: (sent: number) => void,
): Promise<{ sent: number; reset: number }> {
  // Mostly push/pulls as Shoal peers send them (Serf state and catalog included), so mutations
  // reach all three of their decoders; the rest are the other stream messages.
  const inputs = corpus(rng, (r) => (r.chance(0.8) ? genShoalPushPull(r) : genStream(r)));
  let next = 0;
  let reset = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < count) {
      const i = next++;
      const base = inputs[i % inputs.length] as Uint8Array;
      const { bytes } = mutate(rng, base, rng.pick(inputs));
      const source = SOURCE_HOSTS[(i + w) % SOURCE_HOSTS.length] as string;
      if (!(await sendStream(h.targetAddress, bytes, source))) reset++;
      if (i % 256 === 0) progress(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { sent: count, reset };
}

function gossipNumbers(agent: Agent): Record<string, number> {
  const stats = agent.self().stats["gossip"] ?? {};
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, Number(v)]));
}

/** Runs the live fuzz; resolves with the report (never rejects for what the fuzz finds). */
export async function runLiveFuzz(options: LiveFuzzOptions): Promise<LiveFuzzReport> {
  let uncaught = 0;
  let unhandled = 0;
  const onUncaught = (): void => void uncaught++;
  const onUnhandled = (): void => void unhandled++;
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);
  const start = performance.now();
  const h = await startHarness();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  try {
    const rng = new FuzzRng(options.seed);
    const rssBefore = process.memoryUsage().rss;
    peak = rssBefore;
    let lastReport = performance.now();
    const progress = (what: string) => (sent: number) => {
      if (options.onProgress === undefined || performance.now() - lastReport < 1_000) return;
      lastReport = performance.now();
      options.onProgress(`${what}: ${sent} sent, rss ${mb(process.memoryUsage().rss)} MB`);
    };
    const t0 = performance.now();
    const packetsSent = await sendPackets(h, rng, options.packets, progress("packets"));
    const t1 = performance.now();
    const streams = await sendStreams(
      h,
      rng,
      Math.max(1, Math.round(options.packets / 10)),
      options.streamConcurrency ?? 96,
      progress("streams"),
    );
    const t2 = performance.now();
    await sleep(500); // let the last datagrams and stream replies drain
    const stats = gossipNumbers(h.target);
    let liveness = 0;
    try {
      const witnessView = h.witness.members().find((m) => m.name === "fuzz-target");
      if (witnessView?.status !== "alive") liveness++;
      const response = await fetch(`${h.target.httpUrl()}/v1/agent/self`);
      if (!response.ok) liveness++;
    } catch {
      liveness++;
    }
    const drops = Object.fromEntries(Object.entries(stats).filter(([k]) => k.startsWith("dropped_")));
    const membersAtEnd = h.target.members().length;
    const rssAfter = process.memoryUsage().rss;
    return {
      packetsSent,
      packetsDelivered: h.delivered(),
      streamsSent: streams.sent,
      streamsReset: streams.reset,
      drops,
      uncaughtExceptions: uncaught,
      unhandledRejections: unhandled,
      internalErrors: (stats["internal_errors"] ?? 0) + (gossipNumbers(h.witness)["internal_errors"] ?? 0),
      livenessFailures: liveness,
      refused: { ...h.refused },
      membersAtEnd,
      rssBeforeMb: mb(rssBefore),
      rssPeakMb: mb(Math.max(peak, rssAfter)),
      rssAfterMb: mb(rssAfter),
      packetsMs: t1 - t0,
      streamsMs: t2 - t1,
      elapsedMs: performance.now() - start,
    };
  } finally {
    clearInterval(sampler);
    h.sender.close();
    await Promise.allSettled([h.target.close(), h.witness.close()]);
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUnhandled);
  }
}

/** The report as the lines `npm run fuzz` prints. */
export function formatLiveReport(r: LiveFuzzReport): string[] {
  const drops = Object.entries(r.drops)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k.replace("dropped_", "")}=${v}`)
    .join(" ");
  const rate = (n: number, ms: number): number => Math.round(n / Math.max(ms / 1000, 1e-3));
  return [
    `live agent: ${r.packetsSent} mutated packets sent (${rate(r.packetsSent, r.packetsMs)}/s), ${r.packetsDelivered} delivered over loopback UDP; ${r.streamsSent} mutated streams over TCP (${rate(r.streamsSent, r.streamsMs)}/s, ${r.streamsReset} reset or timed out client-side)`,
    `live agent drops: ${drops === "" ? "none" : drops}`,
    `live agent: ${r.membersAtEnd} members known at the end; confinement refused ${r.refused.packetsRefused} packets and ${r.refused.dialsRefused} dials to invented members`,
    `live agent memory: RSS ${r.rssBeforeMb} MB before, ${r.rssPeakMb} MB peak, ${r.rssAfterMb} MB after; ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `live agent crashes: ${liveCrashes(r)} (uncaught ${r.uncaughtExceptions}, unhandled rejections ${r.unhandledRejections}, internal errors ${r.internalErrors}, liveness failures ${r.livenessFailures})`,
  ];
}
