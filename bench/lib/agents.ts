/**
 * Starting and driving benchmark agents of either implementation as real processes on
 * 127.0.0.1: `shoal agent` (compiled JavaScript, so neither tsx's start-up nor its memory is
 * measured) and `serf agent`. Every process is tracked by pid and killed by pid.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { LogWatch, parseSerfLine, parseShoalLine } from "./log-watch.js";
import type { ProfileName } from "../../src/swim/core/config.js";
import { GOSSIP_PORT_RANGE } from "./traffic.js";

const run = promisify(execFile);

/** The memberlist presets a benchmark runs (Serf's `-profile` values). */
export type BenchProfile = ProfileName;

/** Gossip settings of one benchmark setting. */
export interface GossipSettings {
  readonly profile: BenchProfile;
  /** Fanout override (Shoal only: Serf exposes only profiles). */
  readonly fanout?: number;
  /** Gossip interval override in ms (Shoal only). */
  readonly intervalMs?: number;
}

/** One running agent. */
export interface BenchAgent {
  readonly name: string;
  readonly index: number;
  readonly pid: number;
  readonly gossipPort: number;
  /** HTTP (Shoal) or RPC (Serf) port. */
  readonly controlPort: number;
  readonly watch: LogWatch;
  readonly exited: Promise<void>;
  /** Sends `signal` to the process by pid. */
  kill(signal: NodeJS.Signals): void;
}

/** What the scenarios need from an implementation. */
export interface Implementation {
  readonly name: "shoal" | "serf";
  /** Spawns agent `index`; resolves once the process is spawned (not yet ready). */
  start(index: number, seed: number | undefined): BenchAgent;
  /** Fires a user event without coalescing; resolves when the fire call returned. */
  fireEvent(agent: BenchAgent, name: string): Promise<void>;
  /** Registers a service; absent where there is no catalog (Serf). */
  readonly publish?: (agent: BenchAgent, name: string) => Promise<void>;
  /** Sets one of the agent's tags; resolves when the call returned. */
  setTag(agent: BenchAgent, key: string, value: string): Promise<void>;
  /** Kills every agent still running (SIGKILL by pid) and waits for them. */
  stopAll(): Promise<void>;
}

/** Options shared by both implementations. */
export interface ImplementationOptions {
  readonly settings: GossipSettings;
  /** First gossip port; agent i uses base + i, its control port base + i + 10000. */
  readonly portBase: number;
  /** `shoal` entry: a compiled `agent/cli/main.js` or `bin/shoal.js`. */
  readonly shoalEntry: string;
  readonly serfBinary: string;
}

/** Name of agent `index`. */
export function agentName(impl: string, index: number): string {
  return `${impl}-${String(index).padStart(4, "0")}`;
}

abstract class ProcessImplementation implements Implementation {
  abstract readonly name: "shoal" | "serf";
  protected readonly agents: BenchAgent[] = [];

  constructor(protected readonly options: ImplementationOptions) {
    if (options.portBase < GOSSIP_PORT_RANGE.first || options.portBase + 2_000 > GOSSIP_PORT_RANGE.last) {
      throw new Error(`port base ${options.portBase} leaves the gossip port range`);
    }
  }

  abstract start(index: number, seed: number | undefined): BenchAgent;
  abstract fireEvent(agent: BenchAgent, name: string): Promise<void>;
  abstract setTag(agent: BenchAgent, key: string, value: string): Promise<void>;

  protected track(child: ChildProcess, index: number, watch: LogWatch): BenchAgent {
    if (child.pid === undefined) throw new Error(`could not spawn ${this.name} agent ${index}`);
    const pid = child.pid;
    watch.attach(child.stdout as NonNullable<ChildProcess["stdout"]>);
    watch.attach(child.stderr as NonNullable<ChildProcess["stderr"]>);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const agent: BenchAgent = {
      name: agentName(this.name, index),
      index,
      pid,
      gossipPort: this.options.portBase + index,
      controlPort: this.options.portBase + index + 10_000,
      watch,
      exited,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
      },
    };
    this.agents.push(agent);
    return agent;
  }

  async stopAll(): Promise<void> {
    for (const a of this.agents) a.kill("SIGKILL");
    await Promise.all(this.agents.map((a) => a.exited));
    this.agents.length = 0;
  }
}

class ShoalImplementation extends ProcessImplementation {
  readonly name = "shoal" as const;

  start(index: number, seed: number | undefined): BenchAgent {
    const o = this.options;
    const port = o.portBase + index;
    const args = [
      o.shoalEntry,
      "agent",
      "--node",
      agentName("shoal", index),
      "--bind",
      `127.0.0.1:${port}`,
      "--http-addr",
      `127.0.0.1:${port + 10_000}`,
      "--profile",
      o.settings.profile,
      "--log-level",
      "info",
      ...(o.settings.fanout === undefined ? [] : ["--gossip-nodes", String(o.settings.fanout)]),
      ...(o.settings.intervalMs === undefined ? [] : ["--gossip-interval", `${o.settings.intervalMs}ms`]),
      ...(seed === undefined
        ? []
        : ["--retry-join", `127.0.0.1:${o.portBase + seed}`, "--retry-interval", "1s"]),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    return this.track(child, index, new LogWatch(parseShoalLine));
  }

  async fireEvent(agent: BenchAgent, name: string): Promise<void> {
    await put(agent, `/v1/event/fire/${name}?coalesce=false`, "bench");
  }

  readonly publish = async (agent: BenchAgent, name: string): Promise<void> => {
    await put(agent, "/v1/agent/service/register", JSON.stringify({ Name: name, ID: name, Port: 8080 }));
  };

  async setTag(agent: BenchAgent, key: string, value: string): Promise<void> {
    await put(agent, "/v1/shoal/tags", JSON.stringify({ Set: { [key]: value } }));
  }
}

/** A PUT to a Shoal agent's HTTP API that must succeed. */
async function put(agent: BenchAgent, path: string, body: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${agent.controlPort}${path}`, { method: "PUT", body });
  if (!res.ok) throw new Error(`PUT ${path} failed: ${res.status} ${await res.text()}`);
}

class SerfImplementation extends ProcessImplementation {
  readonly name = "serf" as const;

  start(index: number, seed: number | undefined): BenchAgent {
    const o = this.options;
    const port = o.portBase + index;
    const args = [
      "agent",
      "-node",
      agentName("serf", index),
      "-bind",
      `127.0.0.1:${port}`,
      "-rpc-addr",
      `127.0.0.1:${port + 10_000}`,
      "-profile",
      o.settings.profile,
      "-log-level",
      "info",
      ...(seed === undefined
        ? []
        : ["-retry-join", `127.0.0.1:${o.portBase + seed}`, "-retry-interval", "1s"]),
    ];
    const child = spawn(o.serfBinary, args, { stdio: ["ignore", "pipe", "pipe"] });
    return this.track(child, index, new LogWatch(parseSerfLine));
  }

  async fireEvent(agent: BenchAgent, name: string): Promise<void> {
    await run(this.options.serfBinary, [
      "event",
      `-rpc-addr=127.0.0.1:${agent.controlPort}`,
      "-coalesce=false",
      name,
      "bench",
    ]);
  }

  async setTag(agent: BenchAgent, key: string, value: string): Promise<void> {
    await run(this.options.serfBinary, [
      "tags",
      `-rpc-addr=127.0.0.1:${agent.controlPort}`,
      "-set",
      `${key}=${value}`,
    ]);
  }
}

/** Builds the implementation named `name`. */
export function implementation(name: "shoal" | "serf", options: ImplementationOptions): Implementation {
  return name === "shoal" ? new ShoalImplementation(options) : new SerfImplementation(options);
}
