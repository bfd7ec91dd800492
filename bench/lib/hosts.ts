/**
 * Many agents per process: the benchmark's side of `bench/agent-host.ts`. A trial forks one
 * host process for node 0 alone and ceil((N - 1) / K) more of K agents each (agent i > 0 lives
 * in host 1 + floor((i - 1) / K)), then runs the scenarios of `trial.ts` through IPC instead
 * of log lines and HTTP: join storm, a node joining, a user event, that node crashed (its
 * sockets closed without a leave, which is what SIGKILL does to a process agent), then the
 * idle window. The service scenario needs the
 * catalog, which hosted agents do not run; its curve is recorded as empty (0 of 0).
 *
 * Times follow BENCH-METHOD: from the trigger (last agent started, joiner first seen, event
 * fired, crash) to each agent's own record of the change, stamped by its host when it happened.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { agentName } from "./agents.js";
import { curveOf, median, type Curve } from "./curve.js";
import type { HostConfig, HostCounters, HostReply, HostRequest } from "./host-protocol.js";
import { cpuSeconds, rssBytes } from "./proc-stats.js";
import { type TrafficCounters, trafficDelta } from "./traffic.js";
import { idleFigures, type TrialOptions, type TrialResult } from "./trial.js";
import { sleep, waitUntil } from "./wait.js";

/** Distributive Omit, so each request variant keeps its own fields. */
type RequestBody = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, "id"> : never) : never;

/** Host counters summed over hosts at one moment of a trial. */
export interface ClusterCounters {
  readonly suspectEvents: number;
  readonly failedEvents: number;
  readonly refutations: number;
  readonly joinRetries: number;
  readonly errors: number;
  /** Largest host event-loop delay (perf_hooks) since the previous reading, and the largest p99. */
  readonly loopDelayMaxMs: number;
  readonly loopDelayP99Ms: number;
  /** Largest timer lateness any agent's runtime fed to Lifeguard since start. */
  readonly runtimeLoopDelayMaxMs: number;
  /** UDP datagrams the kernel dropped for a full receive buffer (this namespace) since the trial began. */
  readonly udpRcvbufErrors: number;
  /** Alive members per agent (itself included): smallest, median, largest. */
  readonly aliveViewMin: number;
  readonly aliveViewMedian: number;
  readonly aliveViewMax: number;
}

/** One reading during the join storm. */
export interface FormationSample extends ClusterCounters {
  /** Since the last agent started. */
  readonly atMs: number;
  readonly fullViews: number;
}

/** What a hosted trial records beyond the curves. */
export interface HostDiagnostics {
  readonly agentsPerProcess: number;
  readonly processes: number;
  /** Readings every ~10 s during the join storm (loop delay: over the preceding ~10 s). */
  readonly formationTimeline: readonly FormationSample[];
  /** At the end of the join storm (converged or timed out), since the hosts started. */
  readonly afterFormation: ClusterCounters;
  /** Over the idle window (event-loop delay) and totals at its end. */
  readonly afterIdle: ClusterCounters;
  /** Gossip bytes per node per second the runtimes counted (payload, no IP/UDP/TCP headers). */
  readonly runtimeBytesPerNodePerSec: number;
  /** Mean RSS of one host process, MB, at the idle window's end. */
  readonly rssMbPerProcess: number;
}

/** `Udp: ... RcvbufErrors` of /proc/net/snmp (per network namespace), or 0 if unreadable. */
function udpRcvbufErrors(): number {
  try {
    const lines = readFileSync("/proc/net/snmp", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("Udp:"));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    return Number(values[names.indexOf("RcvbufErrors")] ?? 0);
  } catch {
    return 0;
  }
}

class Host {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: HostReply) => void>();
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    readonly indices: readonly number[],
  ) {
    let hello: () => void = () => undefined;
    this.ready = new Promise((resolve) => (hello = resolve));
    child.on("message", (reply: HostReply) => {
      if (reply.id === 0) return hello();
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      done?.(reply);
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request(body: RequestBody): Promise<HostReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) =>
        reply.error === undefined ? resolve(reply) : reject(new Error(`host ${this.pid}: ${reply.error}`)),
      );
      this.child.send({ ...body, id });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, "SIGKILL");
  }
}

/** V8 semi-space size of a host process, MB (see the HostCluster constructor). */
const HOST_SEMI_SPACE_MB = 64;

/** How to run hosts. */
export interface HostOptions {
  /** Compiled `agent-host.js`, or `agent-host.ts` (then run with tsx, which is then measured too). */
  readonly entry: string;
  readonly perProcess: number;
  /**
   * Agents started per second after node 0, spread over the hosts; 0 (default) starts them all
   * at once, as BENCH-METHOD's storm does.
   */
  readonly startRate?: number;
  readonly config: Omit<HostConfig, "seedIndex">;
}

/** The hosts of one trial. */
class HostCluster {
  readonly hosts: Host[] = [];
  private readonly rcvbufErrors0 = udpRcvbufErrors();

  constructor(
    private readonly options: HostOptions,
    readonly nodes: number,
  ) {
    const config: HostConfig = { ...options.config, seedIndex: 0 };
    // A larger young generation: a host allocates a few hundred MB a second at 500 agents (every
    // packet decoded), and with V8's default 16 MB semi-spaces it spent about a tenth of its
    // CPU in scavenges.
    const execArgv = [
      `--max-semi-space-size=${HOST_SEMI_SPACE_MB}`,
      ...(options.entry.endsWith(".ts") ? ["--import", "tsx"] : []),
    ];
    // The seed, which every other agent joins through, runs alone: libuv accepts one connection
    // per event-loop turn (libuv PR #3696), so a seed sharing a loop with hundreds of busy
    // agents took its joiners' TCP connections at the rate of that loop's turns, a few per
    // second, and the joiners waited in the kernel's accept queue for up to 30 s.
    const groups: number[][] = [[0]];
    for (let first = 1; first < nodes; first += options.perProcess) {
      const indices: number[] = [];
      for (let i = first; i < Math.min(nodes, first + options.perProcess); i++) indices.push(i);
      groups.push(indices);
    }
    for (const indices of groups) {
      const child = fork(options.entry, [JSON.stringify(config)], {
        execArgv,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      this.hosts.push(new Host(child, indices));
    }
  }

  /** The host running agent `index`; indices past the last (the joiner) go to the last host. */
  hostOf(index: number): Host {
    const slot = index === 0 ? 0 : 1 + Math.floor((index - 1) / this.options.perProcess);
    const h = this.hosts[Math.min(this.hosts.length - 1, slot)];
    if (h === undefined) throw new Error("no hosts");
    return h;
  }

  /** Per-agent times by agent index (length `size`), from one request to every host. */
  async times(body: RequestBody, size: number): Promise<(number | undefined)[]> {
    const out: (number | undefined)[] = new Array<number | undefined>(size).fill(undefined);
    const replies = await Promise.all(this.hosts.map((h) => h.request(body)));
    for (const r of replies) {
      r.indices?.forEach((index, k) => {
        const t = r.times?.[k];
        if (index < size && t !== null && t !== undefined) out[index] = t;
      });
    }
    return out;
  }

  async counters(reset: boolean): Promise<ClusterCounters> {
    const all = (await Promise.all(this.hosts.map((h) => h.request({ op: "stats", reset })))).map(
      (r) => r.counters as HostCounters,
    );
    const sum = (k: keyof Omit<HostCounters, "aliveViews">): number => all.reduce((s, c) => s + c[k], 0);
    const max = (k: keyof Omit<HostCounters, "aliveViews">): number => Math.max(0, ...all.map((c) => c[k]));
    const views = all.flatMap((c) => c.aliveViews).sort((a, b) => a - b);
    return {
      suspectEvents: sum("suspectEvents"),
      failedEvents: sum("failedEvents"),
      refutations: sum("refutations"),
      joinRetries: sum("joinRetries"),
      errors: sum("errors"),
      loopDelayMaxMs: max("loopDelayMaxMs"),
      loopDelayP99Ms: max("loopDelayP99Ms"),
      runtimeLoopDelayMaxMs: max("runtimeLoopDelayMaxMs"),
      udpRcvbufErrors: udpRcvbufErrors() - this.rcvbufErrors0,
      aliveViewMin: views[0] ?? 0,
      aliveViewMedian: median(views) ?? 0,
      aliveViewMax: views[views.length - 1] ?? 0,
    };
  }

  async runtimeBytes(): Promise<number> {
    const all = await Promise.all(this.hosts.map((h) => h.request({ op: "stats", reset: false })));
    return all.reduce((s, r) => s + (r.counters?.udpBytesSent ?? 0) + (r.counters?.tcpBytesSent ?? 0), 0);
  }

  async stop(): Promise<void> {
    for (const h of this.hosts) h.kill();
    await Promise.all(this.hosts.map((h) => h.exited));
  }
}

/** Runs one trial with agents in host processes; always kills every host it forked. */
export async function runHostTrial(
  host: HostOptions,
  traffic: TrafficCounters,
  o: TrialOptions,
): Promise<TrialResult> {
  const cluster = new HostCluster(host, o.nodes); // the joiner (index N) goes to the last host
  try {
    return await hostTrial(cluster, host, traffic, o);
  } finally {
    await cluster.stop();
  }
}

/**
 * Starts agents 1..n-1: all at once, or `rate` per second in slices of 100 ms (each slice
 * spread over the hosts). Resolves with when the last one started.
 */
async function startRest(cluster: HostCluster, n: number, rate: number): Promise<number> {
  const rest = (h: Host): number[] => h.indices.filter((i) => i !== 0 && i < n);
  if (rate <= 0) {
    const started = await Promise.all(cluster.hosts.map((h) => h.request({ op: "start", indices: rest(h) })));
    return Math.max(...started.map((r) => r.atMs ?? 0));
  }
  const perSlice = Math.max(1, Math.round(rate / 10));
  const queues = cluster.hosts.map(rest);
  let lastMs = Date.now();
  for (let slice = 0; queues.some((q) => q.length > 0); slice++) {
    const sliceStart = Date.now();
    // Round-robin over the hosts so each process takes its share of the slice.
    const batches = queues.map(() => [] as number[]);
    for (let k = 0; k < perSlice; k++) {
      const first = (slice * perSlice + k) % queues.length;
      // The host whose turn it is, or the next one that still has agents to start.
      const h = queues.findIndex((_, i) => (queues[(first + i) % queues.length]?.length ?? 0) > 0);
      if (h < 0) break;
      const at = (first + h) % queues.length;
      const next = queues[at]?.shift();
      if (next !== undefined) batches[at]?.push(next);
    }
    const started = await Promise.all(
      cluster.hosts.flatMap((h, i) => {
        const indices = batches[i] ?? [];
        return indices.length > 0 ? [h.request({ op: "start", indices })] : [];
      }),
    );
    lastMs = Math.max(lastMs, ...started.map((r) => r.atMs ?? 0));
    await sleep(Math.max(0, 100 - (Date.now() - sliceStart)));
  }
  return lastMs;
}

async function hostTrial(
  cluster: HostCluster,
  host: HostOptions,
  traffic: TrafficCounters,
  o: TrialOptions,
): Promise<TrialResult> {
  const n = o.nodes;
  const phase = (name: string): void => o.onPhase?.(name);
  phase("formation (hosts starting)");
  await Promise.all(cluster.hosts.map((h) => h.ready));
  await cluster.counters(true); // starts the loop-delay window
  phase("formation");
  await cluster.hostOf(0).request({ op: "start", indices: [0] });
  const lastStartedMs = await startRest(cluster, n, host.startRate ?? 0);
  let fullView: (number | undefined)[] = [];
  const timeline: FormationSample[] = [];
  let nextSample = Date.now() + 10_000;
  await waitUntil(
    async () => {
      fullView = await cluster.times({ op: "fullView", count: n }, n);
      const have = fullView.filter((t) => t !== undefined).length;
      if (Date.now() >= nextSample && have < n) {
        nextSample = Date.now() + 10_000;
        const c = await cluster.counters(true);
        timeline.push({ atMs: Date.now() - lastStartedMs, fullViews: have, ...c });
        phase(
          `formation: ${have}/${n} full views after ${((Date.now() - lastStartedMs) / 1000).toFixed(0)} s; ` +
            `alive views ${c.aliveViewMin}/${c.aliveViewMedian}/${c.aliveViewMax}, ` +
            `suspect ${c.suspectEvents}, failed ${c.failedEvents}, refuted ${c.refutations}, ` +
            `loop delay max ${c.loopDelayMaxMs.toFixed(0)} ms`,
        );
      }
      return have === n;
    },
    o.formTimeoutMs,
    1_000,
  );
  const formation = curveOf(fullView, lastStartedMs);
  const last = await cluster.counters(false);
  const afterFormation: ClusterCounters = {
    ...last,
    loopDelayMaxMs: Math.max(last.loopDelayMaxMs, ...timeline.map((t) => t.loopDelayMaxMs)),
    loopDelayP99Ms: Math.max(last.loopDelayP99Ms, ...timeline.map((t) => t.loopDelayP99Ms)),
  };
  phase(`formation: ${formation.delaysMs.length}/${n} full views`);
  await sleep(o.settleMs);

  phase("join");
  const joinerHost = cluster.hostOf(n);
  await joinerHost.request({ op: "start", indices: [n] });
  const joinerName = agentName("shoal", n);
  let joinArrivals: (number | undefined)[] = [];
  await waitUntil(
    async () => {
      joinArrivals = await cluster.times({ op: "first", kind: "join", subject: joinerName, sinceMs: 0 }, n);
      return joinArrivals.every((t) => t !== undefined);
    },
    o.scenarioTimeoutMs,
    250,
  );
  const seen = joinArrivals.filter((t): t is number => t !== undefined);
  const join = curveOf(joinArrivals, seen.length > 0 ? Math.min(...seen) : Date.now());
  await sleep(o.settleMs);

  phase("event");
  const eventName = `bench-${Date.now().toString(36)}`;
  const fired = await cluster.hostOf(1 % n).request({ op: "fire", index: 1 % n, name: eventName });
  const firedMs = fired.atMs ?? Date.now();
  let eventArrivals: (number | undefined)[] = [];
  await waitUntil(
    async () => {
      eventArrivals = await cluster.times(
        { op: "first", kind: "user", subject: eventName, sinceMs: 0 },
        n + 1,
      );
      return eventArrivals.every((t) => t !== undefined);
    },
    o.scenarioTimeoutMs,
    250,
  );
  const event = curveOf(eventArrivals, firedMs);
  await sleep(o.settleMs);

  // Service, tag and leave scenarios are measured with agents as processes only.
  const publish: Curve = curveOf([], Date.now());

  phase("failure");
  const crashed = await joinerHost.request({ op: "crash", index: n });
  const killedMs = crashed.atMs ?? Date.now();
  let failArrivals: (number | undefined)[] = [];
  await waitUntil(
    async () => {
      failArrivals = await cluster.times(
        { op: "first", kind: "failed", subject: joinerName, sinceMs: killedMs },
        n,
      );
      return failArrivals.every((t) => t !== undefined);
    },
    o.scenarioTimeoutMs,
    250,
  );
  const failure = curveOf(failArrivals, killedMs);

  phase("idle");
  await sleep(Math.max(o.settleMs, 2_000));
  await cluster.counters(true); // starts the idle window's loop-delay reading
  const pids = cluster.hosts.map((h) => h.pid);
  const cpu0 = pids.map((p) => cpuSeconds(p) ?? 0);
  const bytes0 = traffic.sample();
  const runtime0 = await cluster.runtimeBytes();
  const t0 = Date.now();
  await sleep(o.idleMs);
  const windowMs = Date.now() - t0;
  const bytes = trafficDelta(bytes0, traffic.sample());
  // Read /proc before asking the hosts anything: a stalled host answers late.
  const cpu = pids.reduce((s, p, i) => s + (cpuSeconds(p) ?? 0) - (cpu0[i] ?? 0), 0);
  const rss = pids.map((p) => (rssBytes(p) ?? 0) / 1024 / 1024);
  const runtime1 = await cluster.runtimeBytes();
  const rssTotal = rss.reduce((s, r) => s + r, 0);
  const afterIdle = await cluster.counters(false);
  const perHostMax = Math.max(...cluster.hosts.map((h, i) => (rss[i] ?? 0) / h.indices.length));
  return {
    // Hosted agents are running as soon as their host starts them: ready = started.
    curves: {
      formation,
      formationReady: formation,
      join,
      event,
      publish,
      tags: publish,
      failure,
      leave: publish,
    },
    idle: idleFigures({
      windowMs,
      bytes,
      split: traffic.split,
      agents: n,
      cpuSeconds: cpu,
      rssMbTotal: rssTotal,
      rssMbMax: perHostMax,
    }),
    hosts: {
      agentsPerProcess: host.perProcess,
      processes: cluster.hosts.length,
      formationTimeline: timeline,
      afterFormation,
      afterIdle,
      runtimeBytesPerNodePerSec: (runtime1 - runtime0) / n / (windowMs / 1000),
      rssMbPerProcess: rssTotal / cluster.hosts.length,
    },
  };
}
