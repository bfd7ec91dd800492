/**
 * Many benchmark agents in one process (BENCH-METHOD: "for larger clusters, run many agents in
 * one process, and say so next to the figure"). Forked by `bench:convergence` with an IPC
 * channel and its {@link HostConfig} as JSON in argv[2].
 *
 * Each agent is Shoal's real protocol stack on real sockets: a {@link NodeRuntime} (its own UDP
 * socket and TCP listener on 127.0.0.1) driving the memberlist + Serf core built by
 * `createSwimNode`, with the profile's memberlist preset, exactly as `shoal agent` builds it.
 * What a `shoal agent` process has on top, and these agents do not: the HTTP API, the catalog
 * gossip layer (extension messages), metrics, logging and persistence.
 *
 * Instead of log lines, the host records each agent's events with `Date.now()` when the runtime
 * emits them and answers the benchmark's queries over IPC (see `lib/host-protocol.ts`).
 */
import { randomInt } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { AGENT_PROFILES } from "../src/swim/core/config.js";
import { createSwimNode, defaultSerfConfig } from "../src/swim/core/node.js";
import { createRng } from "../src/swim/core/rng.js";
import type { SwimEvent } from "../src/swim/core/api.js";
import { NodeRuntime } from "../src/swim/runtime/node-runtime.js";
import { agentName } from "./lib/agents.js";
import type { HostConfig, HostCounters, HostReply, HostRequest } from "./lib/host-protocol.js";

const config = JSON.parse(process.argv[2] ?? "{}") as HostConfig;

/** `shoal-0042`: the same names the process agents use. */
function nameOf(index: number): string {
  return agentName("shoal", index);
}

interface HostedAgent {
  readonly index: number;
  readonly name: string;
  readonly runtime: NodeRuntime;
  /** Member name -> when this agent first saw it join. */
  readonly joins: Map<string, number>;
  /** Member name -> every time this agent saw it fail. */
  readonly failed: Map<string, number[]>;
  /** User event name -> when first received. */
  readonly user: Map<string, number>;
  /**
   * Other members this agent currently holds alive, kept from its events: counting them with
   * `members()` built a thousand member views per agent, a second or more of a busy host's
   * event loop at 500 agents, which itself made agents late to answer probes.
   */
  readonly alive: Set<string>;
  crashed: boolean;
}

const agents: HostedAgent[] = [];
const counters = { suspectEvents: 0, failedEvents: 0, refutations: 0, joinRetries: 0, errors: 0 };
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

function onEvent(agent: HostedAgent, event: SwimEvent): void {
  const now = Date.now();
  switch (event.kind) {
    case "memberJoined":
      if (!agent.joins.has(event.member.name)) agent.joins.set(event.member.name, now);
      if (event.member.name !== agent.name) agent.alive.add(event.member.name);
      return;
    case "memberLeft":
    case "memberReaped":
      agent.alive.delete(event.member.name);
      return;
    case "memberFailed": {
      counters.failedEvents++;
      agent.alive.delete(event.member.name);
      const list = agent.failed.get(event.member.name);
      if (list === undefined) agent.failed.set(event.member.name, [now]);
      else list.push(now);
      return;
    }
    case "memberSuspected":
      counters.suspectEvents++;
      return;
    case "refuted":
      counters.refutations++;
      return;
    case "userEventReceived":
      if (!agent.user.has(event.name)) agent.user.set(event.name, now);
      return;
    default:
      return;
  }
}

async function retryJoin(agent: HostedAgent): Promise<void> {
  const seed = `127.0.0.1:${config.portBase + config.seedIndex}`;
  while (!agent.crashed) {
    try {
      await agent.runtime.join([seed]);
      return;
    } catch {
      counters.joinRetries++;
    }
    await new Promise((resolve) => setTimeout(resolve, config.retryIntervalMs));
  }
}

async function startAgent(index: number): Promise<void> {
  const memberlist = {
    ...AGENT_PROFILES[config.profile](),
    ...(config.fanout === undefined ? {} : { gossipNodes: config.fanout }),
    ...(config.intervalMs === undefined ? {} : { gossipIntervalMs: config.intervalMs }),
  };
  const name = nameOf(index);
  const runtime = new NodeRuntime({
    bind: `127.0.0.1:${config.portBase + index}`,
    maxInboundStreams: memberlist.maxConcurrentPushPulls,
    onError: () => counters.errors++,
    createNode: (args) =>
      createSwimNode({
        name,
        advertise: args.advertise,
        memberlist: { ...memberlist, packetOverheadBytes: args.packetOverheadBytes },
        serf: defaultSerfConfig(),
        rng: createRng(randomInt(2 ** 31)),
        nowMs: args.nowMs,
      }),
  });
  const agent: HostedAgent = {
    index,
    name,
    runtime,
    joins: new Map(),
    failed: new Map(),
    user: new Map(),
    alive: new Set(),
    crashed: false,
  };
  runtime.subscribe((event) => onEvent(agent, event));
  await runtime.start();
  agents.push(agent);
  if (index !== config.seedIndex) void retryJoin(agent);
}

function running(): HostedAgent[] {
  return agents.filter((a) => !a.crashed);
}

function agentAt(index: number): HostedAgent {
  const a = agents.find((x) => x.index === index);
  if (a === undefined) throw new Error(`agent ${index} is not on this host`);
  return a;
}

function fullView(agent: HostedAgent, count: number): number | null {
  // Asked every second for every agent: answer the common "not yet" without building names.
  if (agent.joins.size < count - 1) return null;
  let latest = 0;
  for (let i = 0; i < count; i++) {
    if (i === agent.index) continue;
    const t = agent.joins.get(nameOf(i));
    if (t === undefined) return null;
    if (t > latest) latest = t;
  }
  return latest;
}

function snapshot(reset: boolean): HostCounters {
  let runtimeMax = 0;
  let udp = 0;
  let tcp = 0;
  for (const a of agents) {
    const s = a.runtime.stats;
    runtimeMax = Math.max(runtimeMax, s.loopDelay.maxMs);
    udp += s.packets.bytesSent;
    tcp += s.streams.bytesSent;
  }
  const result: HostCounters = {
    ...counters,
    runtimeLoopDelayMaxMs: runtimeMax,
    loopDelayMaxMs: loop.max / 1e6,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    udpBytesSent: udp,
    tcpBytesSent: tcp,
    aliveViews: running().map((a) => a.alive.size + 1), // + itself, as members() counts it
  };
  if (reset) loop.reset();
  return result;
}

async function handle(req: HostRequest): Promise<HostReply> {
  switch (req.op) {
    case "start":
      for (const i of req.indices) await startAgent(i);
      return { id: req.id, atMs: Date.now() };
    case "fire":
      agentAt(req.index).runtime.userEvent(req.name, new TextEncoder().encode("bench"), false);
      return { id: req.id, atMs: Date.now() };
    case "crash": {
      // What SIGKILL does to a process agent: sockets closed, no leave.
      const a = agentAt(req.index);
      a.crashed = true;
      const atMs = Date.now();
      await a.runtime.close();
      return { id: req.id, atMs };
    }
    case "fullView": {
      const live = running();
      return {
        id: req.id,
        indices: live.map((a) => a.index),
        times: live.map((a) => fullView(a, req.count)),
      };
    }
    case "first": {
      const live = running();
      const times = live.map((a) => {
        if (req.kind === "join") return a.joins.get(req.subject) ?? null;
        if (req.kind === "user") return a.user.get(req.subject) ?? null;
        return a.failed.get(req.subject)?.find((t) => t >= req.sinceMs) ?? null;
      });
      return { id: req.id, indices: live.map((a) => a.index), times };
    }
    case "stats":
      return { id: req.id, counters: snapshot(req.reset) };
  }
}

process.on("message", (msg: HostRequest) => {
  handle(msg).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: msg.id, error: String(error) } satisfies HostReply),
  );
});
// The benchmark went away: nothing to report to any more.
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, atMs: Date.now() } satisfies HostReply);
