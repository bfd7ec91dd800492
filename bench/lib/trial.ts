/**
 * One benchmark trial: forms a cluster of N agents of one implementation, then runs the
 * scenarios in order on it (join storm, a node joining, a user event, a service registered
 * (Shoal only), a tag update, the joined node killed with SIGKILL, another node leaving
 * gracefully), then an idle window for traffic, CPU and memory. Times follow BENCH-METHOD:
 * from the triggering action (last agent started, the joiner's first appearance in any log,
 * the fire call returned, the tag call made, SIGKILL or SIGINT sent) to when each agent logged
 * the change.
 */
import { agentName, type BenchAgent, type Implementation } from "./agents.js";
import { curveOf, type Curve } from "./curve.js";
import type { HostDiagnostics } from "./hosts.js";
import { cpuSeconds, rssBytes } from "./proc-stats.js";
import {
  failureTimeline,
  formationTimeline,
  lastLearned,
  type FailureDetail,
  type FormationDetail,
} from "./timelines.js";
import { type TrafficCounters, trafficDelta } from "./traffic.js";
import { sleep, waitUntil } from "./wait.js";

/** Timing knobs of a trial. */
export interface TrialOptions {
  readonly nodes: number;
  /** How long the cluster may take to form. */
  readonly formTimeoutMs: number;
  /** How long one scenario may take before the missing agents are recorded as never. */
  readonly scenarioTimeoutMs: number;
  /** Quiet time between scenarios. */
  readonly settleMs: number;
  /** Idle window for bytes, CPU and RSS. */
  readonly idleMs: number;
  /** Called with the name of each phase (progress bar). */
  readonly onPhase?: (phase: string) => void;
}

/** Scenario names, in the order they run. */
export const SCENARIOS = [
  "formation",
  "formationReady",
  "join",
  "event",
  "publish",
  "tags",
  "failure",
  "leave",
] as const;

/** One scenario name. */
export type Scenario = (typeof SCENARIOS)[number];

/** What the idle window measured. */
export interface IdleFigures {
  readonly windowMs: number;
  /** Gossip bytes (UDP + TCP, IP level) sent per node per second. */
  readonly bytesPerNodePerSec: number;
  readonly udpBytesPerNodePerSec: number;
  readonly tcpBytesPerNodePerSec: number;
  /** Non-gossip bytes (HTTP / RPC), per node per second. */
  readonly otherBytesPerNodePerSec: number;
  /** Whether UDP/TCP were counted separately (nft) or only as loopback total. */
  readonly split: boolean;
  /** Mean CPU use per agent over the window, percent of one core. */
  readonly cpuPercentPerAgent: number;
  /** Mean and largest resident set per agent at the window's end. */
  readonly rssMbPerAgent: number;
  readonly rssMbMax: number;
}

/** Everything one trial measured. */
export interface TrialResult {
  readonly curves: Readonly<Record<Scenario, Curve>>;
  /** Kill -9 timeline (process agents; not recorded by many-agent hosts). */
  readonly failureDetail?: FailureDetail;
  /** Join storm timeline (process agents). */
  readonly formationDetail?: FormationDetail;
  readonly idle: IdleFigures;
  /** Agents ran many per process (`hosts.ts`): how, and what the hosts counted. */
  readonly hosts?: HostDiagnostics;
}

/** Runs one trial of `impl`; always stops every agent it started. */
export async function runTrial(
  impl: Implementation,
  traffic: TrafficCounters,
  options: TrialOptions,
): Promise<TrialResult> {
  try {
    return await trial(impl, traffic, options);
  } finally {
    await impl.stopAll();
  }
}

async function trial(impl: Implementation, traffic: TrafficCounters, o: TrialOptions): Promise<TrialResult> {
  const n = o.nodes;
  const phase = (name: string): void => o.onPhase?.(name);
  phase("formation");
  const seed = impl.start(0, undefined);
  if (!(await waitUntil(() => seed.watch.first("ready", "") !== undefined, 30_000))) {
    throw new Error(`${impl.name}: the first agent did not start`);
  }
  const agents: BenchAgent[] = [seed];
  for (let i = 1; i < n; i++) agents.push(impl.start(i, 0));
  const lastStartedMs = Date.now();
  await waitUntil(() => agents.every((a) => lastLearned(a, agents) !== undefined), o.formTimeoutMs, 100);
  const fullViews = agents.map((a) => lastLearned(a, agents));
  const fullViewTimes = fullViews.map((v) => v?.atMs);
  const formation = curveOf(fullViewTimes, lastStartedMs);
  // The same storm from the moment the last agent said it was running: without the
  // processes' own start-up (a Node.js process needs far more CPU to boot than a Go one).
  const lastReadyMs = Math.max(...agents.map((a) => a.watch.first("ready", "")?.atMs ?? lastStartedMs));
  const formationReady = curveOf(fullViewTimes, lastReadyMs);
  const formationDetail = formationTimeline(agents, fullViews, lastStartedMs, lastReadyMs);
  await sleep(o.settleMs);

  phase("join");
  const joiner = impl.start(n, 0);
  const joinerName = agentName(impl.name, n);
  const sawJoin = (a: BenchAgent): number | undefined => a.watch.first("join", joinerName)?.atMs;
  await waitUntil(() => agents.every((a) => sawJoin(a) !== undefined), o.scenarioTimeoutMs, 50);
  const joinArrivals = agents.map(sawJoin);
  const firstSeen = Math.min(...joinArrivals.filter((t): t is number => t !== undefined));
  const join = curveOf(joinArrivals, firstSeen);
  await sleep(o.settleMs);

  phase("event");
  const everyone = [...agents, joiner];
  const eventName = `bench-${Date.now().toString(36)}`;
  await impl.fireEvent(agents[1 % n] as BenchAgent, eventName);
  const firedMs = Date.now();
  const sawEvent = (a: BenchAgent): number | undefined => a.watch.first("user", eventName)?.atMs;
  await waitUntil(() => everyone.every((a) => sawEvent(a) !== undefined), o.scenarioTimeoutMs, 50);
  const event = curveOf(everyone.map(sawEvent), firedMs);
  await sleep(o.settleMs);

  phase("publish");
  const publisher = agents[2 % n] as BenchAgent;
  const publish = await publishScenario(impl, publisher, everyone, o.scenarioTimeoutMs);
  await sleep(o.settleMs);

  phase("tags");
  const tagged = agents[3 % n] as BenchAgent;
  // Timed from the call, not from its return: Serf's `tags` RPC returns only once memberlist
  // has sent the update its full number of times (UpdateNode waits for the broadcast), when
  // most agents already have it; Shoal's returns at once.
  const tagCalledMs = Date.now();
  await impl.setTag(tagged, "bench", tagCalledMs.toString(36));
  const sawUpdate = (a: BenchAgent): number | undefined =>
    a === tagged ? tagCalledMs : a.watch.first("update", tagged.name, tagCalledMs)?.atMs;
  await waitUntil(() => everyone.every((a) => sawUpdate(a) !== undefined), o.scenarioTimeoutMs, 50);
  const tags = curveOf(everyone.map(sawUpdate), tagCalledMs);
  await sleep(o.settleMs);

  phase("failure");
  const killedMs = Date.now();
  joiner.kill("SIGKILL");
  const sawFailed = (a: BenchAgent): number | undefined =>
    a.watch.first("failed", joinerName, killedMs)?.atMs;
  await waitUntil(() => agents.every((a) => sawFailed(a) !== undefined), o.scenarioTimeoutMs, 50);
  const failure = curveOf(agents.map(sawFailed), killedMs);
  const failureDetail = failureTimeline(agents, joinerName, killedMs);
  await joiner.exited;
  await sleep(o.settleMs);

  phase("leave");
  // SIGINT is a graceful leave for both agents (neither skips the leave on interrupt).
  const leaver = agents[n - 1] as BenchAgent;
  const stayers = agents.slice(0, -1);
  const leaveSentMs = Date.now();
  leaver.kill("SIGINT");
  const sawLeft = (a: BenchAgent): number | undefined =>
    a.watch.first("left", leaver.name, leaveSentMs)?.atMs;
  await waitUntil(() => stayers.every((a) => sawLeft(a) !== undefined), o.scenarioTimeoutMs, 50);
  const leave = curveOf(stayers.map(sawLeft), leaveSentMs);
  await Promise.race([leaver.exited, sleep(o.scenarioTimeoutMs)]);

  phase("idle");
  const idle = await idleWindow(stayers, traffic, Math.max(o.settleMs, 2_000), o.idleMs);
  return {
    curves: { formation, formationReady, join, event, publish, tags, failure, leave },
    idle,
    failureDetail,
    formationDetail,
  };
}

/**
 * A service registered on `publisher`, seen when each agent holds its version (the agents
 * record the wall time they first held it; read once it has spread). Serf has no catalog:
 * its nearest analog, a tag change, is the `tags` scenario.
 */
async function publishScenario(
  impl: Implementation,
  publisher: BenchAgent,
  everyone: readonly BenchAgent[],
  timeoutMs: number,
): Promise<Curve> {
  if (impl.publish === undefined) return curveOf([], Date.now());
  const before = await Promise.all(everyone.map((a) => originVersion(a, publisher.name)));
  await impl.publish(publisher, `svc-${Date.now().toString(36)}`);
  const t0 = Date.now();
  const seen = new Map<BenchAgent, number>([[publisher, t0]]);
  // Read the agents' own arrival stamps, not poll-time: polling sparsely keeps load off them.
  await sleep(1_000);
  await waitUntil(
    async () => {
      await Promise.all(
        everyone.map(async (a, i) => {
          if (seen.has(a)) return;
          const now = await originVersion(a, publisher.name);
          if (now !== undefined && now.version !== before[i]?.version && now.firstSeenMs > 0) {
            seen.set(a, now.firstSeenMs);
          }
        }),
      );
      return seen.size === everyone.length;
    },
    timeoutMs,
    1_000,
  );
  return curveOf(
    everyone.map((a) => seen.get(a)),
    t0,
  );
}

async function originVersion(
  agent: BenchAgent,
  origin: string,
): Promise<{ version: string; firstSeenMs: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${agent.controlPort}/v1/shoal/convergence`);
    const body = (await res.json()) as {
      Catalog: { Origins: Record<string, { Version: string; FirstSeenMs: number }> };
    };
    const o = body.Catalog.Origins[origin];
    return o === undefined ? undefined : { version: o.Version, firstSeenMs: o.FirstSeenMs };
  } catch {
    return undefined;
  }
}

async function idleWindow(
  agents: readonly BenchAgent[],
  traffic: TrafficCounters,
  settleMs: number,
  idleMs: number,
): Promise<IdleFigures> {
  await sleep(settleMs);
  const cpu0 = agents.map((a) => cpuSeconds(a.pid) ?? 0);
  const bytes0 = traffic.sample();
  const t0 = Date.now();
  await sleep(idleMs);
  const windowMs = Date.now() - t0;
  const bytes = trafficDelta(bytes0, traffic.sample());
  const cpu = agents.map((a, i) => (cpuSeconds(a.pid) ?? 0) - (cpu0[i] ?? 0));
  const rss = agents.map((a) => (rssBytes(a.pid) ?? 0) / 1024 / 1024);
  return idleFigures({
    windowMs,
    bytes,
    split: traffic.split,
    agents: agents.length,
    cpuSeconds: cpu.reduce((s, c) => s + c, 0),
    rssMbTotal: rss.reduce((s, r) => s + r, 0),
    rssMbMax: Math.max(...rss),
  });
}

/** What an idle window measured, before it is turned into per-agent figures. */
export interface IdleReading {
  readonly windowMs: number;
  /** Traffic over the window (a `trafficDelta`). */
  readonly bytes: ReturnType<typeof trafficDelta>;
  readonly split: boolean;
  readonly agents: number;
  /** CPU seconds all agents used over the window. */
  readonly cpuSeconds: number;
  readonly rssMbTotal: number;
  /** Largest RSS of one agent (for hosts: a host's RSS over its agents). */
  readonly rssMbMax: number;
}

/** Per-agent, per-second figures of an idle window. */
export function idleFigures(r: IdleReading): IdleFigures {
  const perNodeSec = (b: number): number => b / r.agents / (r.windowMs / 1000);
  const gossip = r.split ? r.bytes.udpGossip + r.bytes.tcpGossip : r.bytes.total;
  return {
    windowMs: r.windowMs,
    bytesPerNodePerSec: perNodeSec(gossip),
    udpBytesPerNodePerSec: perNodeSec(r.bytes.udpGossip),
    tcpBytesPerNodePerSec: perNodeSec(r.bytes.tcpGossip),
    otherBytesPerNodePerSec: perNodeSec(r.bytes.other),
    split: r.split,
    cpuPercentPerAgent: (r.cpuSeconds / r.agents / (r.windowMs / 1000)) * 100,
    rssMbPerAgent: r.rssMbTotal / r.agents,
    rssMbMax: r.rssMbMax,
  };
}
