import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One `shoal` subcommand: takes its own arguments, returns the process exit code. */
export type Subcommand = (args: readonly string[]) => Promise<number>;

/**
 * Shoal's version from its package.json, found by walking up from this module: it runs from
 * src/ (tsx), dist/ (tsc) or dist/bundle/chunks/ (the bundle), each at a different depth.
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === "shoal" && manifest.version !== undefined) return manifest.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

/** Every subcommand; each lives in its own module and is loaded only when it runs. */
const subcommands: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  version: {
    summary: "Print Shoal's version and the protocol range it speaks",
    load: () =>
      Promise.resolve(() => {
        console.log(`Shoal v${packageVersion()}`);
        console.log("Agent Protocol: 5 (Understands back to: 2), memberlist protocol 2 (1..5)");
        return Promise.resolve(0);
      }),
  },
  agent: {
    summary: "Run a Shoal agent (gossip, catalog, HTTP API)",
    load: async () => (await import("./commands/agent.js")).agent,
  },
  members: {
    summary: "List the members of the cluster as this agent sees them",
    load: async () => (await import("./commands/members.js")).members,
  },
  join: {
    summary: "Tell the agent to join a cluster",
    load: async () => (await import("./commands/join.js")).join,
  },
  leave: {
    summary: "Leave the cluster gracefully and stop the agent",
    load: async () => (await import("./commands/leave.js")).leave,
  },
  "force-leave": {
    summary: "Force a failed member into the left state",
    load: async () => (await import("./commands/force-leave.js")).forceLeave,
  },
  event: {
    summary: "Send a custom user event",
    load: async () => (await import("./commands/event.js")).event,
  },
  query: {
    summary: "Send a query and print the acks and responses",
    load: async () => (await import("./commands/query.js")).query,
  },
  tags: {
    summary: "Change the running agent's tags",
    load: async () => (await import("./commands/tags.js")).tags,
  },
  keygen: {
    summary: "Generate a new gossip encryption key",
    load: async () => (await import("./commands/keygen.js")).keygen,
  },
  keys: {
    summary: "Install, use, remove or list gossip keys across the cluster",
    load: async () => (await import("./commands/keys.js")).keys,
  },
  info: {
    summary: "Show the agent's debugging information",
    load: async () => (await import("./commands/info.js")).info,
  },
  monitor: {
    summary: "Stream the agent's logs",
    load: async () => (await import("./commands/monitor.js")).monitor,
  },
  services: {
    summary: "Register, deregister or list this agent's services",
    load: async () => (await import("./commands/services.js")).services,
  },
  simulate: {
    summary: "Simulate gossip convergence with the real protocol, beside Serf's model",
    load: async () => (await import("./simulate.js")).simulate,
  },
};

function usage(): string {
  const lines = Object.entries(subcommands).map(([name, { summary }]) => `  ${name.padEnd(12)} ${summary}`);
  return `Usage: shoal <command> [options]\n\nCommands:\n${lines.join("\n")}`;
}

/** Runs `shoal <command> ...`; unknown commands print usage and exit 1. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const entry = subcommands[name];
  if (entry === undefined) {
    console.error(`shoal: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await (
      await entry.load()
    )(rest);
  } catch (error) {
    console.error(`shoal ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
