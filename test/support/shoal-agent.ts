/**
 * Runs real `shoal agent` processes on 127.0.0.1 for integration tests, and talks to them over
 * their HTTP API. Every started agent is killed by pid on `stop()`/`kill()`, and with SIGKILL
 * when this process exits, so none outlives a test run.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/tools/free-port.js";
import { sleep } from "./serf-agent.js";

const SHOAL_BIN = fileURLToPath(new URL("../../bin/shoal.js", import.meta.url));

/** A running agent. */
export interface ShoalAgent {
  readonly name: string;
  readonly pid: number;
  /** Gossip port (UDP and TCP). */
  readonly port: number;
  readonly httpAddr: string;
  /** Everything the agent printed so far. */
  logs(): string;
  /** GET a JSON path of its HTTP API. */
  get<T>(path: string): Promise<T>;
  /** PUT/POST/DELETE to its HTTP API; resolves with the response. */
  send(method: string, path: string, body?: unknown): Promise<Response>;
  /** SIGTERM (graceful leave), SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Resolves when the process has exited, with its exit code. */
  readonly exited: Promise<number | null>;
}

/** How to start an agent. */
export interface ShoalAgentOptions {
  readonly name: string;
  /** Reuse a gossip port (restarts); a free one otherwise. */
  readonly port?: number;
  readonly httpPort?: number;
  readonly join?: readonly string[];
  readonly dataDir?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly encrypt?: string;
  readonly profile?: "lan" | "wan" | "local";
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const child of running) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
}

/** Starts `shoal agent` and resolves once its HTTP API answers. */
export async function startShoalAgent(opts: ShoalAgentOptions): Promise<ShoalAgent> {
  installExitHook();
  const port = opts.port ?? (await freePort());
  const httpPort = opts.httpPort ?? (await freePort());
  const httpAddr = `127.0.0.1:${httpPort}`;
  const args = [
    SHOAL_BIN,
    "agent",
    "--node",
    opts.name,
    "--bind",
    `127.0.0.1:${port}`,
    "--http-addr",
    httpAddr,
    "--log-level",
    "debug",
  ];
  for (const j of opts.join ?? []) args.push("--join", j);
  for (const [k, v] of Object.entries(opts.tags ?? {})) args.push("--tag", `${k}=${v}`);
  if (opts.dataDir !== undefined) args.push("--data-dir", opts.dataDir);
  if (opts.encrypt !== undefined) args.push("--encrypt", opts.encrypt);
  if (opts.profile !== undefined) args.push("--profile", opts.profile);
  args.push(...(opts.extraArgs ?? []));
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...opts.env },
  });
  running.add(child);
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  const pid = child.pid;
  if (pid === undefined) throw new Error("shoal agent did not start");
  const base = `http://${httpAddr}`;
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const agent: ShoalAgent = {
    name: opts.name,
    pid,
    port,
    httpAddr,
    exited,
    logs: () => log,
    async get<T>(path: string): Promise<T> {
      const response = await fetch(`${base}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    send(method: string, path: string, body?: unknown): Promise<Response> {
      return fetch(`${base}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : typeof body === "string"
            ? { body }
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
    },
    async stop(graceMs = 10_000): Promise<void> {
      if (gone()) return;
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (!gone()) process.kill(pid, "SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill(): Promise<void> {
      if (gone()) return;
      process.kill(pid, "SIGKILL");
      await exited;
    },
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (gone()) throw new Error(`shoal agent ${opts.name} exited early:\n${log}`);
    try {
      await agent.get("/v1/agent/self");
      return agent;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) {
      await agent.kill();
      throw new Error(`shoal agent ${opts.name} did not come up within the timeout:\n${log}`);
    }
    await sleep(100);
  }
}
