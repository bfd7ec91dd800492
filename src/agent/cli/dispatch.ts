import { readFileSync } from "node:fs";

/** One `shoal` subcommand: takes its own arguments, returns the process exit code. */
export type Subcommand = (args: readonly string[]) => Promise<number>;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
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
