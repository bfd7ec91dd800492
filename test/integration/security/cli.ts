/** Runs the `shoal` CLI as a child process and collects its exit code and output. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const SHOAL_BIN = fileURLToPath(new URL("../../../bin/shoal.js", import.meta.url));

/** What one CLI run produced. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `shoal ...args`, with `env` added to this process's environment. */
export function shoalCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SHOAL_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
