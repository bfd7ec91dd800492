/**
 * Garbage-packet flood: `npm run flood -- [--seconds 30] [--rate 20000] [--ramp]`.
 *
 * Starts a 5-agent cluster of real `shoal agent` processes on 127.0.0.1 (default `lan`
 * timing), then floods one of them with junk UDP datagrams at a fixed rate for the given time.
 * Every second it reads every agent's member list: any member not `alive` is a false failure.
 * It reads the target's RSS from /proc and its packet counters from `/v1/agent/self`.
 * With `--ramp`, it first steps the rate up (20k, 40k, 80k, ... per second, 5 s each) and
 * records the highest rate the target *holds*: the sender really offered it (95 %) and no agent
 * marked anyone failed. How much of it the target's socket delivered and its runtime read is
 * reported next to it: beyond what one core decodes, the kernel drops the rest, and that is
 * the point: the agent sheds junk it cannot read without losing its view of the cluster.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freeGossipPort, freeTcpPort } from "./free-port.js";
import { FuzzRng } from "./fuzz-inputs.js";

const SHOAL_BIN = fileURLToPath(new URL("../../bin/shoal.js", import.meta.url));

/** One running agent process. */
export interface FloodAgent {
  readonly name: string;
  readonly port: number;
  readonly httpAddr: string;
  readonly child: ChildProcess;
}

/** Options of {@link runFlood}. */
export interface FloodOptions {
  readonly seconds: number;
  /** Datagrams per second aimed at the target. */
  readonly rate: number;
  /** Step the rate up first to find the highest one held. */
  readonly ramp: boolean;
  readonly seed: number;
  readonly onProgress?: (line: string) => void;
}

/** One measured flood step. */
export interface FloodStep {
  readonly targetRate: number;
  readonly sentRate: number;
  /** Datagrams per second the target's runtime counted as received. */
  readonly receivedRate: number;
  /** Percentage of the sent datagrams the target read (the kernel drops what it cannot). */
  readonly received: number;
  readonly seconds: number;
  /** Member views that showed someone not alive, summed over the samples. */
  readonly falseFailures: number;
  readonly held: boolean;
}

/** What {@link runFlood} measured. */
export interface FloodReport {
  readonly main: FloodStep;
  readonly ramp: readonly FloodStep[];
  /** Highest rate held (the main run's if no ramp, 0 if it did not hold). */
  readonly highestHeldRate: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly rssAfterMb: number;
  /** Non-alive members seen after the flood, once things settled (should be 0). */
  readonly failuresAfter: number;
  /** The target's drop counters at the end. */
  readonly drops: Readonly<Record<string, number>>;
  readonly internalErrors: number;
}

const CLUSTER = 5;
const HELD_FRACTION = 0.95;
const RAMP_STEP_SECONDS = 5;
const RAMP_MAX_RATE = 640_000;
/** The sender works in slices this long; each sends its share of the rate. */
const SLICE_MS = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function httpJson<T>(agent: FloodAgent, path: string): Promise<T> {
  const response = await fetch(`http://${agent.httpAddr}${path}`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${agent.name} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

async function startAgent(name: string, join: number | undefined): Promise<FloodAgent> {
  const port = await freeGossipPort();
  const httpAddr = `127.0.0.1:${await freeTcpPort()}`;
  const args = [SHOAL_BIN, "agent", "--node", name, "--bind", `127.0.0.1:${port}`, "--http-addr", httpAddr];
  if (join !== undefined) args.push("--join", `127.0.0.1:${join}`);
  args.push("--log-level", "warn", "--http-rate-limit", "0");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const agent = { name, port, httpAddr, child };
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      await httpJson(agent, "/v1/status/leader");
      return agent;
    } catch {
      if (performance.now() > deadline) throw new Error(`${name} did not start within 30 s`);
      await sleep(100);
    }
  }
}

/** Stops the agents this module started, by pid. */
async function stopAll(agents: readonly FloodAgent[]): Promise<void> {
  await Promise.all(
    agents.map(
      (a) =>
        new Promise<void>((resolve) => {
          if (a.child.exitCode !== null || a.child.signalCode !== null) return resolve();
          a.child.once("exit", () => resolve());
          a.child.kill("SIGKILL");
        }),
    ),
  );
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? 0 : Math.round(Number(match[1]) / 1024);
  } catch {
    return 0;
  }
}

interface MemberJson {
  readonly Name: string;
  readonly Status: number;
}

/** Members (summed over every agent's view) that are not alive (Serf status 1). */
async function notAlive(agents: readonly FloodAgent[]): Promise<number> {
  let bad = 0;
  for (const a of agents) {
    try {
      const members = await httpJson<MemberJson[]>(a, "/v1/agent/members");
      bad += members.filter((m) => m.Status !== 1).length + Math.max(0, CLUSTER - members.length);
    } catch {
      bad += CLUSTER; // an agent that does not answer sees nothing
    }
  }
  return bad;
}

async function gossipStats(agent: FloodAgent): Promise<Record<string, number>> {
  const self = await httpJson<{ Stats: Record<string, Record<string, string>> }>(agent, "/v1/agent/self");
  return Object.fromEntries(Object.entries(self.Stats["gossip"] ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** A pool of junk datagrams: random bytes, 1..1400 long, every first byte equally likely. */
function junkPool(seed: number): Buffer[] {
  const rng = new FuzzRng(seed);
  return Array.from({ length: 4096 }, () => Buffer.from(rng.bytes(1 + rng.int(1400))));
}

/** Floods `target` at `rate` for `seconds`, sampling the cluster every second. */
async function floodStep(
  agents: readonly FloodAgent[],
  target: FloodAgent,
  rate: number,
  seconds: number,
  pool: readonly Buffer[],
  onSecond: (rss: number) => void,
): Promise<FloodStep> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const before = await gossipStats(target);
  let sent = 0;
  let falseFailures = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sleep(1_000);
      falseFailures += await notAlive(agents);
      onSecond(rssMb(target.child.pid));
    }
  })();
  const start = performance.now();
  const endAt = start + seconds * 1_000;
  let i = 0;
  while (performance.now() < endAt) {
    const due = Math.floor(((performance.now() - start) / 1_000) * rate);
    while (sent < due) {
      socket.send(pool[i++ % pool.length] as Buffer, target.port, "127.0.0.1");
      sent++;
      // Let the send queue drain now and then, or memory grows with queued sends.
      if (sent % 512 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await sleep(SLICE_MS);
  }
  const elapsed = (performance.now() - start) / 1_000;
  running = false;
  await sampler;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  const after = await gossipStats(target);
  const received = (after["packets_received"] ?? 0) - (before["packets_received"] ?? 0);
  const sentRate = Math.round(sent / elapsed);
  const receivedRate = Math.round(received / elapsed);
  return {
    targetRate: rate,
    sentRate,
    receivedRate,
    seconds: Math.round(elapsed * 10) / 10,
    falseFailures,
    received: Math.round((received / Math.max(sent, 1)) * 1000) / 10,
    held: falseFailures === 0 && sentRate >= HELD_FRACTION * rate,
  };
}

/** Runs the flood against a fresh 5-agent cluster; always stops the agents it started. */
export async function runFlood(options: FloodOptions): Promise<FloodReport> {
  const agents: FloodAgent[] = [];
  try {
    const first = await startAgent("flood-0", undefined);
    agents.push(first);
    for (let i = 1; i < CLUSTER; i++) agents.push(await startAgent(`flood-${i}`, first.port));
    const deadline = performance.now() + 30_000;
    while ((await notAlive(agents)) > 0) {
      if (performance.now() > deadline) throw new Error("the cluster did not converge within 30 s");
      await sleep(250);
    }
    await sleep(2_000); // let the join gossip settle before the baseline
    const target = agents[CLUSTER - 1] as FloodAgent;
    const pool = junkPool(options.seed);
    const rssBeforeMb = rssMb(target.child.pid);
    let rssPeakMb = rssBeforeMb;
    const onSecond = (rss: number): void => {
      rssPeakMb = Math.max(rssPeakMb, rss);
    };
    const ramp: FloodStep[] = [];
    if (options.ramp) {
      for (let rate = 20_000; rate <= RAMP_MAX_RATE; rate *= 2) {
        const step = await floodStep(agents, target, rate, RAMP_STEP_SECONDS, pool, onSecond);
        ramp.push(step);
        options.onProgress?.(formatStep("ramp", step));
        if (!step.held) break;
        await sleep(1_000);
      }
    }
    const main = await floodStep(agents, target, options.rate, options.seconds, pool, onSecond);
    options.onProgress?.(formatStep("main", main));
    await sleep(3_000);
    const failuresAfter = await notAlive(agents);
    const stats = await gossipStats(target);
    const held = [...ramp, main].filter((s) => s.held).map((s) => s.targetRate);
    return {
      main,
      ramp,
      highestHeldRate: held.length === 0 ? 0 : Math.max(...held),
      rssBeforeMb,
      rssPeakMb,
      rssAfterMb: rssMb(target.child.pid),
      failuresAfter,
      drops: Object.fromEntries(Object.entries(stats).filter(([k, v]) => k.startsWith("dropped_") && v > 0)),
      internalErrors: stats["internal_errors"] ?? 0,
    };
  } finally {
    await stopAll(agents);
  }
}

function formatStep(what: string, s: FloodStep): string {
  return `${what}: aimed ${s.targetRate}/s for ${s.seconds} s, sent ${s.sentRate}/s, target read ${s.receivedRate}/s (${s.received} %), false failures ${s.falseFailures} -> ${s.held ? "held" : "NOT held"}`;
}

/** The report as `npm run flood` prints it. */
export function formatFloodReport(r: FloodReport): string[] {
  return [
    formatStep("main", r.main),
    `highest rate held: ${r.highestHeldRate}/s`,
    `target RSS: ${r.rssBeforeMb} MB before, ${r.rssPeakMb} MB peak, ${r.rssAfterMb} MB after`,
    `non-alive members after the flood: ${r.failuresAfter}; target internal errors: ${r.internalErrors}`,
    `target drops: ${Object.entries(r.drops)
      .map(([k, v]) => `${k.replace("dropped_", "")}=${v}`)
      .join(" ")}`,
  ];
}

function parseArgs(argv: readonly string[]): FloodOptions {
  let seconds = 30;
  let rate = 20_000;
  let ramp = false;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--ramp") ramp = true;
    else if ((a === "--seconds" || a === "--rate" || a === "--seed") && v !== undefined && /^\d+$/.test(v)) {
      if (a === "--seconds") seconds = Number(v);
      else if (a === "--rate") rate = Number(v);
      else seed = Number(v);
      i++;
    } else {
      throw new Error(`usage: flood [--seconds S] [--rate N] [--ramp] [--seed S] (bad argument ${a ?? ""})`);
    }
  }
  return { seconds, rate, ramp, seed };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  console.log(
    `flood: ${CLUSTER} agents, ${options.rate}/s for ${options.seconds} s${options.ramp ? ", ramp first" : ""}`,
  );
  const report = await runFlood({ ...options, onProgress: (line) => console.log(`  ${line}`) });
  for (const line of formatFloodReport(report)) console.log(line);
  const ok = report.main.held && report.failuresAfter === 0 && report.internalErrors === 0;
  process.exitCode = ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
