/**
 * Runs real `serf agent` processes on 127.0.0.1 for interop tests and fixture captures, and
 * drives them through the `serf` CLI over their RPC port. Every started agent is killed by
 * pid on `stop()`, and again (SIGKILL) when this process exits, so none outlives a test run.
 */
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { freePort } from "../../src/tools/free-port.js";

/** A running agent. */
export interface SerfAgent {
  readonly name: string;
  readonly pid: number;
  /** memberlist port (UDP and TCP). */
  readonly port: number;
  readonly rpcAddr: string;
  /** Everything the agent logged so far. */
  logs(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
  /** kill -9; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** How to start an agent. */
export interface SerfAgentOptions {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Base64 key for `-encrypt`. */
  readonly encryptKey?: string;
  readonly disableCompression?: boolean;
  /** Milliseconds to wait for the agent to come up (default 15 s). */
  readonly startTimeoutMs?: number;
  /** memberlist port (UDP and TCP); a random free one when absent. */
  readonly port?: number;
  /** RPC port; a random free one when absent. */
  readonly rpcPort?: number;
  /** `-event-handler` specs, Serf syntax (`user=script`, `query:NAME=script`, ...). */
  readonly eventHandlers?: readonly string[];
  /** `-profile` (Serf's default is `lan`). */
  readonly profile?: "lan" | "wan" | "local";
}

/** One member as `serf members -format json` reports it. */
export interface SerfMemberJson {
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  readonly tags: Record<string, string>;
  readonly status: string;
  readonly protocol: Record<string, number>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
}

/**
 * For scripts (not test workers): on SIGINT/SIGTERM, kill every agent started here, then exit
 * with the conventional 128+signal status. Without this an interrupted capture would leave
 * agents running, since "exit" handlers do not run on a fatal signal.
 */
export function killAgentsOnSignals(): void {
  installExitHook();
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => process.exit(code));
  }
}

/** Starts `serf agent` on 127.0.0.1 with random ports and debug logging; resolves when it runs. */
export async function startSerfAgent(opts: SerfAgentOptions): Promise<SerfAgent> {
  installExitHook();
  const port = opts.port ?? (await freePort());
  let rpcPort = opts.rpcPort ?? (await freePort());
  while (rpcPort === port) rpcPort = await freePort();
  const rpcAddr = `127.0.0.1:${rpcPort}`;
  const args = [
    "agent",
    `-node=${opts.name}`,
    `-bind=127.0.0.1:${port}`,
    `-advertise=127.0.0.1:${port}`,
    `-rpc-addr=${rpcAddr}`,
    "-log-level=debug",
  ];
  for (const [k, v] of Object.entries(opts.tags ?? {})) args.push("-tag", `${k}=${v}`);
  if (opts.encryptKey !== undefined) args.push(`-encrypt=${opts.encryptKey}`);
  if (opts.disableCompression === true) args.push("-disable-compression");
  for (const handler of opts.eventHandlers ?? []) args.push(`-event-handler=${handler}`);
  if (opts.profile !== undefined) args.push(`-profile=${opts.profile}`);
  const child = spawn("serf", args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  const pid = child.pid;
  if (pid === undefined) throw new Error("serf agent did not start");

  const agent: SerfAgent = {
    name: opts.name,
    pid,
    port,
    rpcAddr,
    logs: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      }, 3000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, "SIGKILL");
      await exited;
    },
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serf agent exited early:\n${log}`);
    if (log.includes("Serf agent running")) {
      try {
        await serfMembers(rpcAddr);
        return agent;
      } catch {
        // RPC not answering yet
      }
    }
    if (Date.now() > deadline) {
      await agent.stop();
      throw new Error(`serf agent did not come up within the timeout:\n${log}`);
    }
    await sleep(100);
  }
}

/** Runs the `serf` CLI; rejects with its output on a non-zero exit. */
export function serfCli(args: readonly string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("serf", args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err !== null)
        reject(new Error(`serf ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** `serf members -format=json`. */
export async function serfMembers(rpcAddr: string): Promise<SerfMemberJson[]> {
  const out = await serfCli(["members", `-rpc-addr=${rpcAddr}`, "-format=json"]);
  return (JSON.parse(out) as { members: SerfMemberJson[] }).members;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than `undefined`, or rejects after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
