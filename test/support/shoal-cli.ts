/**
 * Runs the real `shoal` CLI (bin/shoal.js) against an agent's HTTP API, as a user would, so
 * integration tests check the commands' output and not just the API behind them.
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SHOAL_BIN = fileURLToPath(new URL("../../bin/shoal.js", import.meta.url));

/** Runs `shoal ARGS --http-addr ADDR`; rejects with the output on a non-zero exit. */
export function shoalCli(httpAddr: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SHOAL_BIN, ...args, "--http-addr", httpAddr],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err !== null)
          reject(new Error(`shoal ${args.join(" ")} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** How a CLI run ended. */
export interface ShoalCliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `shoal ARGS --http-addr ADDR` and resolves however it exits (for testing failures). */
export function runShoalCli(
  httpAddr: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<ShoalCliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SHOAL_BIN, ...args, "--http-addr", httpAddr],
      { timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** One member as `shoal members --format json` prints it (Serf's `members -format json` shape). */
export interface ShoalMemberJson {
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  readonly tags: Record<string, string>;
  readonly status: string;
}

/** `shoal members --format json`. */
export async function shoalMembers(httpAddr: string): Promise<ShoalMemberJson[]> {
  const out = await shoalCli(httpAddr, ["members", "--format", "json"]);
  return (JSON.parse(out) as { members: ShoalMemberJson[] }).members;
}

/** A long-running CLI command (`shoal monitor`): its output so far, and a way to end it. */
export interface ShoalCliProcess {
  output(): string;
  /** Its stdout alone (`output()` has stderr mixed in). */
  stdout(): string;
  /** Resolves with the exit code once it exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM by pid; resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts `shoal ARGS --http-addr ADDR` in the background. */
export function spawnShoalCli(httpAddr: string, args: readonly string[]): ShoalCliProcess {
  const child = spawn(process.execPath, [SHOAL_BIN, ...args, "--http-addr", httpAddr], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    output: () => out,
    stdout: () => stdout,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, "SIGTERM");
      }
      await exited;
    },
  };
}
